// Command bootstrap is the Pulumi program an administrator runs once per AWS account
// (docs/ci-setup.md): the GitHub OIDC provider, the preview role, one deploy role per stack
// with the policy generated from that stack (policies/), the S3 state bucket and the KMS
// key of the stacks' secrets.
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() { pulumi.Run(run) }
