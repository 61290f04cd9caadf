package config

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
)

// AwsEndpoint points the AWS provider at a local AWS emulator (moto server or
// LocalStack) instead of AWS; key "awsEndpoint". The zero value, with an empty URL, means
// real AWS: the committed dev and prod stacks leave it unset, so their provider inputs
// carry none of these settings. Pulumi.local.yaml sets it.
type AwsEndpoint struct {
	// URL is the emulator's base URL, e.g. http://localhost:4566. Optional. Defaults to
	// empty, which means real AWS and requires every other field to be empty too.
	URL string `json:"url"`
	// Services are the provider endpoint keys sent to URL (fields of the pulumi-aws
	// provider's `endpoints` block, canonical names such as "logs", "elbv2",
	// "appautoscaling"). Required with URL. Defaults to none. A test checks that they cover
	// every AWS service the program calls.
	Services []string `json:"services"`
	// AccessKey is a dummy access key for the emulator (e.g. "test"). Optional. Defaults to
	// empty (the usual AWS credential chain). A real key (AKIA…/ASIA…) is rejected.
	AccessKey string `json:"accessKey"`
	// SecretKey is the dummy secret key that goes with AccessKey. Optional. Defaults to empty.
	SecretKey string `json:"secretKey"`
	// SkipCredentialsValidation skips the provider's STS credential check. Optional. Defaults to false.
	SkipCredentialsValidation bool `json:"skipCredentialsValidation"`
	// SkipRequestingAccountID skips the provider's account-id lookup. Optional. Defaults to false.
	SkipRequestingAccountID bool `json:"skipRequestingAccountId"`
	// SkipMetadataAPICheck skips the EC2 instance-metadata credential lookup. Optional. Defaults to false.
	SkipMetadataAPICheck bool `json:"skipMetadataApiCheck"`
	// S3UsePathStyle addresses buckets as URL/bucket rather than bucket.host, which an
	// emulator on localhost needs. Optional. Defaults to false.
	S3UsePathStyle bool `json:"s3UsePathStyle"`
}

// DefaultAwsEndpoint returns the default: unset, which means real AWS.
func DefaultAwsEndpoint() AwsEndpoint {
	return AwsEndpoint{Services: []string{}}
}

// Enabled reports whether the stack targets an emulator rather than AWS.
func (e AwsEndpoint) Enabled() bool { return e.URL != "" }

// EndpointAliases maps the alias endpoint keys that the pulumi-aws provider also accepts
// to their canonical key. Aliases are rejected so that each service has one spelling
// (the provider uses the first of several equivalent keys it meets; see "Available
// Endpoint Customizations" in the Terraform AWS provider's custom-service-endpoints guide,
// which pulumi-aws v6 bridges).
var EndpointAliases = map[string]string{
	"applicationautoscaling": "appautoscaling",
	"cloudwatchlog":          "logs",
	"cloudwatchlogs":         "logs",
	"elasticloadbalancingv2": "elbv2",
	"elasticloadbalancing":   "elb",
	"cloudwatchevents":       "events",
	"eventbridge":            "events",
	"s3api":                  "s3",
	"config":                 "configservice",
	"prometheus":             "amp",
	"prometheusservice":      "amp",
}

// EndpointKeys returns every endpoint key the pulumi-aws provider accepts, read from the
// SDK's ProviderEndpoint type so that it follows the provider version in go.mod.
func EndpointKeys() []string {
	t := reflect.TypeOf(aws.ProviderEndpoint{})
	keys := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("pulumi"), ","); k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// realAccessKeyPattern matches long-term (AKIA) and temporary (ASIA) AWS access key ids:
// a stack file holding one would publish a credential.
var realAccessKeyPattern = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{16}$`)

func loadAwsEndpoint(r reader) AwsEndpoint {
	e := DefaultAwsEndpoint()
	r.object("awsEndpoint", &e)
	p := r.p

	if !e.Enabled() {
		// Real AWS: nothing else may be set, so dev and prod provider inputs never
		// carry emulator settings by accident.
		for _, f := range []struct {
			key string
			set bool
		}{
			{"awsEndpoint.services", len(e.Services) > 0},
			{"awsEndpoint.accessKey", e.AccessKey != ""},
			{"awsEndpoint.secretKey", e.SecretKey != ""},
			{"awsEndpoint.skipCredentialsValidation", e.SkipCredentialsValidation},
			{"awsEndpoint.skipRequestingAccountId", e.SkipRequestingAccountID},
			{"awsEndpoint.skipMetadataApiCheck", e.SkipMetadataAPICheck},
			{"awsEndpoint.s3UsePathStyle", e.S3UsePathStyle},
		} {
			if f.set {
				p.Addf(f.key, "is set but awsEndpoint.url is empty; emulator settings are allowed only together with awsEndpoint.url (leave awsEndpoint unset for real AWS)")
			}
		}
		return e
	}

	if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		p.Addf("awsEndpoint.url", "%q is not an emulator base URL; use http(s)://host[:port] with no path, such as http://localhost:4566", e.URL)
	}

	if len(e.Services) == 0 {
		p.Addf("awsEndpoint.services", "is empty; list the provider endpoint keys to send to %s (every AWS service the program uses: ec2, iam, logs, …)", e.URL)
	}
	known := map[string]bool{}
	for _, k := range EndpointKeys() {
		known[k] = true
	}
	seen := map[string]bool{}
	for i, s := range e.Services {
		key := fmt.Sprintf("awsEndpoint.services[%d]", i)
		switch canonical, alias := EndpointAliases[s]; {
		case alias:
			p.Addf(key, "%q is an alias; use the canonical endpoint key %q", s, canonical)
		case !known[s]:
			p.Addf(key, "%q is not an endpoint key of the pulumi-aws provider (e.g. ec2, rds, logs, elbv2, appautoscaling, wafv2)", s)
		case seen[s]:
			p.Addf(key, "%q is listed twice", s)
		}
		seen[s] = true
	}

	if (e.AccessKey == "") != (e.SecretKey == "") {
		missing := "awsEndpoint.secretKey"
		if e.AccessKey == "" {
			missing = "awsEndpoint.accessKey"
		}
		p.Addf(missing, "is empty; set awsEndpoint.accessKey and awsEndpoint.secretKey together (dummy values such as \"test\")")
	}
	if realAccessKeyPattern.MatchString(e.AccessKey) {
		// The message shows only the prefix: the full value is a credential.
		p.Addf("awsEndpoint.accessKey", "%q… looks like a real AWS access key id; an emulator takes dummy credentials such as \"test\", and a stack file is no place for a real one", e.AccessKey[:4])
	}
	return e
}
