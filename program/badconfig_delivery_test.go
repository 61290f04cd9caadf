package program_test

import (
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/programtest"
)

// awsEndpointCases are invalid emulator settings (key awsEndpoint, used by
// Pulumi.local.yaml). Each is applied to the prod stack, where awsEndpoint is unset.
var awsEndpointCases = []badConfigCase{
	{"url without a scheme", patch("awsEndpoint", "url", `"localhost:4566"`, "services", `["ec2"]`), "awsEndpoint.url"},
	{"url with a scheme other than http(s)", patch("awsEndpoint", "url", `"ftp://localhost:4566"`, "services", `["ec2"]`), "awsEndpoint.url"},
	{"url with a path", patch("awsEndpoint", "url", `"http://localhost:4566/aws"`, "services", `["ec2"]`), "awsEndpoint.url"},
	{"url with credentials in it", patch("awsEndpoint", "url", `"http://test:test@localhost:4566"`, "services", `["ec2"]`), "awsEndpoint.url"},
	{"url without services", patch("awsEndpoint", "url", `"http://localhost:4566"`), "awsEndpoint.services"},
	{"unknown service", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2","lamdba"]`), "awsEndpoint.services[1]"},
	{"alias instead of the canonical key", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["cloudwatchlogs"]`), "awsEndpoint.services[0]"},
	{"service listed twice", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2","iam","ec2"]`), "awsEndpoint.services[2]"},
	{"services without url", patch("awsEndpoint", "services", `["ec2"]`), "awsEndpoint.services"},
	{"skip flag without url", patch("awsEndpoint", "skipCredentialsValidation", `true`), "awsEndpoint.skipCredentialsValidation"},
	{"path-style S3 without url", patch("awsEndpoint", "s3UsePathStyle", `true`), "awsEndpoint.s3UsePathStyle"},
	{"dummy credentials without url", patch("awsEndpoint", "accessKey", `"test"`, "secretKey", `"test"`), "awsEndpoint.accessKey"},
	{"access key without secret key", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2"]`, "accessKey", `"test"`), "awsEndpoint.secretKey"},
	{"secret key without access key", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2"]`, "secretKey", `"test"`), "awsEndpoint.accessKey"},
	{"a real access key id", patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2"]`, "accessKey", `"AKIAIOSFODNN7EXAMPLE"`, "secretKey", `"x"`), "awsEndpoint.accessKey"},
	{"misspelt field", patch("awsEndpoint", "endpoint", `"http://localhost:4566"`), "awsEndpoint"},
	{"not an object", set("awsEndpoint", `"http://localhost:4566"`), "awsEndpoint"},
}

func TestBadConfigAwsEndpoint(t *testing.T) { runBadConfig(t, awsEndpointCases) }

// TestRealAccessKeyIsNotEchoed: the error about a real access key id names the key and
// its prefix but does not print the credential into CI logs.
func TestRealAccessKeyIsNotEchoed(t *testing.T) {
	const key = "AKIAIOSFODNN7EXAMPLE"
	opts := patch("awsEndpoint", "url", `"http://localhost:4566"`, "services", `["ec2"]`, "accessKey", `"`+key+`"`, "secretKey", `"x"`)(t)
	r := programtest.Run("prod", opts)
	if r.Err == nil {
		t.Fatal("a real access key id was accepted")
	}
	if msg := r.Err.Error(); strings.Contains(msg, key) || !strings.Contains(msg, "awsEndpoint.accessKey") || !strings.Contains(msg, "AKIA") {
		t.Errorf("message should name awsEndpoint.accessKey and the AKIA prefix only:\n%s", msg)
	}
}
