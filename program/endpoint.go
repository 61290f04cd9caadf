package program

import (
	"reflect"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
)

// withAwsEndpoint adds the emulator settings of e to args and returns args. When e is
// unset (real AWS, the dev and prod stacks) it leaves args untouched, so those stacks'
// provider inputs do not change. The settings follow the pulumi-aws provider's
// configuration reference (endpoints, skipCredentialsValidation,
// skipRequestingAccountId, skipMetadataApiCheck, s3UsePathStyle, accessKey, secretKey:
// https://www.pulumi.com/registry/packages/aws/installation-configuration/) and the
// LocalStack example of the Terraform AWS provider's custom-service-endpoints guide.
func withAwsEndpoint(args *aws.ProviderArgs, e config.AwsEndpoint) *aws.ProviderArgs {
	if !e.Enabled() {
		return args
	}
	args.Endpoints = aws.ProviderEndpointArray{endpointArgs(e.URL, e.Services)}
	args.SkipCredentialsValidation = pulumi.Bool(e.SkipCredentialsValidation)
	args.SkipRequestingAccountId = pulumi.Bool(e.SkipRequestingAccountID)
	args.SkipMetadataApiCheck = pulumi.Bool(e.SkipMetadataAPICheck)
	args.S3UsePathStyle = pulumi.Bool(e.S3UsePathStyle)
	if e.AccessKey != "" {
		// The SDK marks both as secret in the provider's inputs and state.
		args.AccessKey = pulumi.String(e.AccessKey)
		args.SecretKey = pulumi.String(e.SecretKey)
	}
	return args
}

// endpointArgs sends each listed service to url. The provider's endpoint block is a
// struct with one field per service, tagged with the endpoint key; config.Load has
// checked that every listed key is one of those tags.
func endpointArgs(url string, services []string) aws.ProviderEndpointArgs {
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	var ep aws.ProviderEndpointArgs
	v := reflect.ValueOf(&ep).Elem()
	for i := 0; i < v.NumField(); i++ {
		if key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("pulumi"), ","); want[key] {
			v.Field(i).Set(reflect.ValueOf(pulumi.StringPtr(url)))
		}
	}
	return ep
}
