// Command infra is the Pulumi program of the web shop; `pulumi up` runs it.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/program"
)

func main() { pulumi.Run(program.Run) }
