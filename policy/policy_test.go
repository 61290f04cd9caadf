package policy

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/internal/mockengine"
)

// res builds a recorded custom resource whose outputs echo its inputs plus extra
// key/value pairs.
func res(typ, name string, in map[string]any, out ...any) *mockengine.Resource {
	r := &mockengine.Resource{Type: typ, Name: name, Custom: true, Inputs: resource.NewPropertyMapFromMap(in)}
	r.Outputs = r.Inputs.Copy()
	for i := 0; i+1 < len(out); i += 2 {
		r.Outputs[resource.PropertyKey(out[i].(string))] = resource.NewPropertyValue(out[i+1])
	}
	return r
}

// secret marks an input as secret, as `pulumi.ToSecret` does.
func secret(r *mockengine.Resource, key string) *mockengine.Resource {
	r.Inputs[resource.PropertyKey(key)] = resource.MakeSecret(r.Inputs[resource.PropertyKey(key)])
	return r
}

func protect(r *mockengine.Resource) *mockengine.Resource { r.Protect = true; return r }

func withProvider(r *mockengine.Resource, ref string) *mockengine.Resource {
	r.Provider = ref
	return r
}

var goodTags = map[string]any{"project": "ecsite", "environment": "test", "cost-center": "shop", "managed-by": "pulumi"}

const tlsDeny = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`

// crsCountingBodies is the Core rule set with SizeRestrictions_BODY switched to count.
var crsCountingBodies = map[string]any{"name": "aws-common-rule-set", "overrideAction": map[string]any{"none": map[string]any{}},
	"statement": map[string]any{"managedRuleGroupStatement": map[string]any{"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet",
		"ruleActionOverrides": []any{map[string]any{"name": "SizeRestrictions_BODY", "actionToUse": map[string]any{"count": map[string]any{}}}}}}}

// bodyRule is a blocking rule of the web ACL with statement st.
func bodyRule(name string, st map[string]any) map[string]any {
	return map[string]any{"name": name, "action": map[string]any{"block": map[string]any{}}, "statement": st}
}

// bodySize is a statement matching bodies over size bytes.
func bodySize(size int, oversize string) map[string]any {
	return map[string]any{"sizeConstraintStatement": map[string]any{"comparisonOperator": "GT", "size": size,
		"fieldToMatch": map[string]any{"body": map[string]any{"oversizeHandling": oversize}}}}
}

const logged = `[{"name":"web","readonlyRootFilesystem":true,"logConfiguration":{"logDriver":"awslogs"}}]`

type ruleCase struct {
	rule string
	name string
	bad  []*mockengine.Resource // must produce at least one finding
	good []*mockengine.Resource // must produce none
}

func ruleCases() []ruleCase {
	provider := func(tags map[string]any) *mockengine.Resource {
		return res("pulumi:providers:aws", "aws", map[string]any{"region": "ap-northeast-1", "defaultTags": map[string]any{"tags": tags}})
	}
	return []ruleCase{
		{rule: "ENC-RDS", name: "unencrypted cluster",
			bad:  []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"storageEncrypted": false})},
			good: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"storageEncrypted": true})}},
		{rule: "ENC-SSM", name: "SecureString on the default key",
			bad:  []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{"type": "SecureString", "value": "x"})},
			good: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{"type": "SecureString", "value": "x", "keyId": "arn:aws:kms:ap-northeast-1:123456789012:key/k"})}},
		{rule: "ENC-SSM", name: "secret stored as a plain String",
			bad:  []*mockengine.Resource{secret(res("aws:ssm/parameter:Parameter", "jwt", map[string]any{"name": "/ecsite/test/JWT_SECRET", "type": "String", "value": "s3cret"}), "value")},
			good: []*mockengine.Resource{secret(res("aws:ssm/parameter:Parameter", "host", map[string]any{"name": "/ecsite/test/DB_HOST", "type": "String", "value": "db.example"}), "value")}},
		{rule: "ENC-LOGS", name: "database log group without a key",
			bad:  []*mockengine.Resource{res("aws:cloudwatch/logGroup:LogGroup", "pg", map[string]any{"name": "/aws/rds/cluster/db/postgresql"})},
			good: []*mockengine.Resource{res("aws:cloudwatch/logGroup:LogGroup", "pg", map[string]any{"name": "/aws/rds/cluster/db/postgresql", "kmsKeyId": "arn:aws:kms:ap-northeast-1:123456789012:key/k"})}},
		{rule: "ENC-LOGS", name: "VPC flow-log group without a key",
			bad: []*mockengine.Resource{
				res("aws:ec2/flowLog:FlowLog", "flow", map[string]any{"logDestination": "arn:aws:logs:ap-northeast-1:123456789012:log-group:/vpc/flows"}),
				res("aws:cloudwatch/logGroup:LogGroup", "flows", map[string]any{"name": "/vpc/flows"}, "arn", "arn:aws:logs:ap-northeast-1:123456789012:log-group:/vpc/flows"),
			},
			good: []*mockengine.Resource{
				res("aws:ec2/flowLog:FlowLog", "flow", map[string]any{"logDestination": "arn:aws:logs:ap-northeast-1:123456789012:log-group:/vpc/flows"}),
				res("aws:cloudwatch/logGroup:LogGroup", "flows", map[string]any{"name": "/vpc/flows", "kmsKeyId": "arn:aws:kms:ap-northeast-1:123456789012:key/k"}, "arn", "arn:aws:logs:ap-northeast-1:123456789012:log-group:/vpc/flows"),
			}},
		{rule: "ENC-LOGS", name: "WAF log group without a key",
			bad:  []*mockengine.Resource{res("aws:cloudwatch/logGroup:LogGroup", "waf", map[string]any{"name": "aws-waf-logs-shop"})},
			good: []*mockengine.Resource{res("aws:cloudwatch/logGroup:LogGroup", "waf", map[string]any{"name": "aws-waf-logs-shop", "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"})}},
		{rule: "ENC-LOGS", name: "ECS Exec session log group without a key",
			bad: []*mockengine.Resource{
				res("aws:ecs/cluster:Cluster", "c", map[string]any{"configuration": map[string]any{"executeCommandConfiguration": map[string]any{"logConfiguration": map[string]any{"cloudWatchLogGroupName": "/ecs/exec"}}}}),
				res("aws:cloudwatch/logGroup:LogGroup", "exec", map[string]any{"name": "/ecs/exec"}),
			},
			good: []*mockengine.Resource{
				res("aws:ecs/cluster:Cluster", "c", map[string]any{"configuration": map[string]any{"executeCommandConfiguration": map[string]any{"logConfiguration": map[string]any{"cloudWatchLogGroupName": "/ecs/exec"}}}}),
				res("aws:cloudwatch/logGroup:LogGroup", "exec", map[string]any{"name": "/ecs/exec", "kmsKeyId": "arn:aws:kms:ap-northeast-1:123456789012:key/k"}),
				res("aws:cloudwatch/logGroup:LogGroup", "flow", map[string]any{"name": "/vpc/flow"}),
			}},
		{rule: "ENC-S3", name: "bucket without encryption configuration",
			bad: []*mockengine.Resource{res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "logs-bucket"})},
			good: []*mockengine.Resource{
				res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "logs-bucket"}),
				res("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "logs", map[string]any{"bucket": "logs-id",
					"rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}}),
			}},
		{rule: "ENC-SNS", name: "topic without a key",
			bad:  []*mockengine.Resource{res("aws:sns/topic:Topic", "alarms", map[string]any{})},
			good: []*mockengine.Resource{res("aws:sns/topic:Topic", "alarms", map[string]any{"kmsMasterKeyId": "alias/k"})}},
		{rule: "ALARM-DELIVERY", name: "topic key shared without a CloudWatch grant",
			// The mistake sharing a key invites: the compute key encrypts the topic but its
			// policy only lets CloudWatch Logs use it.
			bad: alarmDelivery(logsOnlyKeyPolicy, "arn:aws:kms:ap-northeast-1:123456789012:key/k", "ecsite-dev-db-cpu-high"),
			good: alarmDelivery(cloudWatchKeyPolicy("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ecsite-dev-*"),
				"arn:aws:kms:ap-northeast-1:123456789012:key/k", "ecsite-dev-db-cpu-high")},
		{rule: "ALARM-DELIVERY", name: "key grants CloudWatch for other alarms only",
			bad: alarmDelivery(cloudWatchKeyPolicy("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ecsite-prod-*"),
				"alias/ecsite-dev-alarms", "ecsite-dev-db-cpu-high"),
			// Referenced through its alias, the key is found and its grant admits the alarm.
			good: alarmDelivery(cloudWatchKeyPolicy("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ecsite-dev-*"),
				"alias/ecsite-dev-alarms", "ecsite-dev-db-cpu-high")},
		{rule: "ALARM-DELIVERY", name: "key grants CloudWatch in another region",
			bad: alarmDelivery(cloudWatchKeyPolicy("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ecsite-dev-*"),
				"arn:aws:kms:ap-northeast-1:123456789012:key/k", "ecsite-dev-db-cpu-high")},
		{rule: "ALARM-DELIVERY", name: "topic key in another region",
			bad: keyInUsEast1(alarmDelivery(cloudWatchKeyPolicy("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ecsite-dev-*"),
				"arn:aws:kms:ap-northeast-1:123456789012:key/k", "ecsite-dev-db-cpu-high"))},
		{rule: "ALARM-DELIVERY", name: "topic key with the default key policy",
			bad: alarmDelivery("", "arn:aws:kms:ap-northeast-1:123456789012:key/k", "ecsite-dev-db-cpu-high")},
		{rule: "ALARM-DELIVERY", name: "topic on the AWS managed key",
			bad: alarmDelivery(cloudWatchKeyPolicy("*"), "alias/aws/sns", "ecsite-dev-db-cpu-high")},
		{rule: "ALARM-DELIVERY", name: "alarm notifying a topic outside the stack",
			bad: []*mockengine.Resource{res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", map[string]any{"name": "ecsite-dev-x",
				"alarmActions": []any{"arn:aws:sns:ap-northeast-1:123456789012:elsewhere"}})}},
		{rule: "ENC-ECR", name: "repository without encryption configuration",
			bad:  []*mockengine.Resource{res("aws:ecr/repository:Repository", "web", map[string]any{})},
			good: []*mockengine.Resource{res("aws:ecr/repository:Repository", "web", map[string]any{"encryptionConfigurations": []any{map[string]any{"encryptionType": "AES256"}}})}},
		{rule: "TLS-LISTENER", name: "HTTP listener forwarding on an internet-facing load balancer",
			bad: []*mockengine.Resource{
				res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"internal": false}, "arn", "arn:alb-public"),
				res("aws:lb/listener:Listener", "http", map[string]any{"port": 80, "protocol": "HTTP", "loadBalancerArn": "arn:alb-public",
					"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": "tg"}}}),
			},
			good: []*mockengine.Resource{
				// An internal load balancer behind CloudFront's VPC origin may forward HTTP.
				res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"internal": true}, "arn", "arn:alb-internal"),
				res("aws:lb/listener:Listener", "origin", map[string]any{"port": 80, "protocol": "HTTP", "loadBalancerArn": "arn:alb-internal",
					"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": "tg"}}}),
				res("aws:lb/listener:Listener", "http", map[string]any{"port": 80, "protocol": "HTTP",
					"defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}}),
				res("aws:lb/listener:Listener", "https", map[string]any{"port": 443, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "certificateArn": "arn:cert"}),
			}},
		{rule: "TLS-LISTENER", name: "HTTPS listener allowing TLS 1.0",
			bad: []*mockengine.Resource{res("aws:lb/listener:Listener", "https", map[string]any{"port": 443, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08", "certificateArn": "arn:cert"})}},
		{rule: "TLS-CDN", name: "distribution behaviour allowing plain HTTP",
			bad: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior":  map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
				"orderedCacheBehaviors": []any{map[string]any{"pathPattern": "/static/*", "viewerProtocolPolicy": "allow-all"}},
				"viewerCertificate":     map[string]any{"cloudfrontDefaultCertificate": true}})},
			good: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior":  map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
				"orderedCacheBehaviors": []any{map[string]any{"pathPattern": "/static/*", "viewerProtocolPolicy": "https-only"}},
				"viewerCertificate":     map[string]any{"cloudfrontDefaultCertificate": true}})}},
		{rule: "TLS-CDN", name: "custom certificate with an old viewer policy",
			bad: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
				"viewerCertificate":    map[string]any{"acmCertificateArn": "arn:cert", "minimumProtocolVersion": "TLSv1", "sslSupportMethod": "sni-only"}})},
			good: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
				"viewerCertificate":    map[string]any{"acmCertificateArn": "arn:cert", "minimumProtocolVersion": "TLSv1.2_2021", "sslSupportMethod": "sni-only"}})}},
		{rule: "CDN-WAF", name: "distribution without a web ACL, behaviours set",
			bad: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"}})},
			good: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
				"webAclId":             "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/0123abcd"})}},
		{rule: "S3-PUBLIC-BLOCK", name: "bucket whose public access block lets a public policy through",
			bad: []*mockengine.Resource{
				res("aws:s3/bucketV2:BucketV2", "assets", map[string]any{}, "bucket", "assets-id"),
				res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "assets", map[string]any{"bucket": "assets-id",
					"blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true}),
			},
			good: []*mockengine.Resource{
				res("aws:s3/bucketV2:BucketV2", "assets", map[string]any{}, "bucket", "assets-id"),
				res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "assets", map[string]any{"bucket": "assets-id",
					"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}),
			}},
		{rule: "S3-PUBLIC-BLOCK", name: "bucket without a public access block",
			bad: []*mockengine.Resource{res("aws:s3/bucketV2:BucketV2", "assets", map[string]any{}, "bucket", "assets-id")}},
		{rule: "DB-TLS-VERIFY", name: "container with DATABASE_URL and no server verification",
			bad: []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "api", map[string]any{
				"containerDefinitions": `[{"name":"api","secrets":[{"name":"DATABASE_URL","valueFrom":"arn"}],"environment":[{"name":"PGSSLMODE","value":"require"}]}]`})},
			good: []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "api", map[string]any{
				"containerDefinitions": `[{"name":"api","secrets":[{"name":"DATABASE_URL","valueFrom":"arn"}],"environment":[{"name":"PGSSLMODE","value":"verify-full"},{"name":"PGSSL","value":"verify-full"},{"name":"PGSSLROOTCERT","value":"/b.pem"},{"name":"NODE_EXTRA_CA_CERTS","value":"/b.pem"}]},{"name":"web","secrets":[{"name":"JWT_SECRET","valueFrom":"arn"}]}]`})}},
		{rule: "DB-TLS-VERIFY", name: "container without PGSSL, which postgres.js 3 reads",
			bad: []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "api", map[string]any{
				"containerDefinitions": `[{"name":"api","secrets":[{"name":"PGPASSWORD","valueFrom":"arn"}],"environment":[{"name":"PGSSLMODE","value":"verify-full"},{"name":"PGSSLROOTCERT","value":"/b.pem"},{"name":"NODE_EXTRA_CA_CERTS","value":"/b.pem"}]}]`})}},
		{rule: "DB-TLS-VERIFY", name: "stored URL that does not verify the server",
			bad: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{
				"value": "postgresql://u:p@db:5432/ecsite?sslmode=require"})},
			good: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{
				"value": "postgresql://u:p@db:5432/ecsite?sslmode=verify-full&connect_timeout=30"})}},
		{rule: "DB-TLS-VERIFY", name: "stored URL with Prisma 6's parameters, which libpq refuses",
			bad: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{
				"value": "postgresql://u:p@db:5432/ecsite?sslmode=verify-full&schema=public"})}},
		{rule: "DB-TLS-VERIFY", name: "hidden URL whose described shape does not verify the server",
			bad: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{
				"value": unknownValue(), "description": "Writer connection URL postgresql://USER:PASSWORD@WRITER-ENDPOINT:5432/ecsite?sslmode=prefer"})},
			good: []*mockengine.Resource{res("aws:ssm/parameter:Parameter", "url", map[string]any{
				"value": unknownValue(), "description": "Writer connection URL postgresql://USER:PASSWORD@WRITER-ENDPOINT:5432/ecsite?sslmode=verify-full"})}},
		{rule: "WAF-BODY-LIMIT", name: "Core rule set's body size rule counted with no rule blocking its label",
			bad: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"scope": "CLOUDFRONT", "rules": []any{crsCountingBodies}})},
			good: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"scope": "CLOUDFRONT", "rules": []any{crsCountingBodies,
				bodyRule("body-size-outside-api", map[string]any{"labelMatchStatement": map[string]any{"scope": "LABEL", "key": "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"}})}})}},
		{rule: "WAF-BODY-LIMIT", name: "body size rule that a body too large to inspect escapes",
			bad: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"scope": "CLOUDFRONT", "rules": []any{bodyRule("api-body", bodySize(65536, "CONTINUE"))},
				"associationConfig": map[string]any{"requestBodies": []any{map[string]any{"cloudfronts": []any{map[string]any{"defaultSizeInspectionLimit": "KB_64"}}}}}})},
			good: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"scope": "CLOUDFRONT", "rules": []any{bodyRule("api-body", bodySize(65536, "MATCH"))},
				"associationConfig": map[string]any{"requestBodies": []any{map[string]any{"cloudfronts": []any{map[string]any{"defaultSizeInspectionLimit": "KB_64"}}}}}})}},
		{rule: "WAF-BODY-LIMIT", name: "body size rule above the default 16 KB inspection limit",
			bad: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"scope": "CLOUDFRONT", "rules": []any{bodyRule("api-body", bodySize(65536, "MATCH"))}})}},
		{rule: "CDN-LOGGING", name: "distribution without standard logging",
			bad: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{}, "arn", "arn:aws:cloudfront::123456789012:distribution/E1")},
			good: []*mockengine.Resource{
				res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{}, "arn", "arn:aws:cloudfront::123456789012:distribution/E1"),
				res("aws:cloudwatch/logDeliverySource:LogDeliverySource", "logs", map[string]any{"name": "cdn", "logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}),
				res("aws:cloudwatch/logDelivery:LogDelivery", "logs", map[string]any{"deliverySourceName": "cdn", "deliveryDestinationArn": "arn:aws:logs:us-east-1:123456789012:delivery-destination:cdn"}),
			}},
		{rule: "CDN-LOGGING", name: "delivery source that no delivery sends anywhere",
			bad: []*mockengine.Resource{
				res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{}, "arn", "arn:aws:cloudfront::123456789012:distribution/E1"),
				res("aws:cloudwatch/logDeliverySource:LogDeliverySource", "logs", map[string]any{"name": "cdn", "logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}),
			}},
		{rule: "CDN-WAF", name: "distribution without a web ACL",
			bad:  []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{})},
			good: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{"webAclId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"})}},
		{rule: "CDN-OAC", name: "S3 origin without origin access control",
			bad: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"origins": []any{map[string]any{"originId": "assets", "domainName": "assets.s3.ap-northeast-1.amazonaws.com"}}})},
			good: []*mockengine.Resource{res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
				"origins": []any{map[string]any{"originId": "assets", "domainName": "assets.s3.ap-northeast-1.amazonaws.com", "originAccessControlId": "oac"},
					map[string]any{"originId": "alb", "domainName": "internal-alb.elb.amazonaws.com"}}})}},
		{rule: "EC2-IMDSV2", name: "launch template allowing IMDSv1",
			bad:  []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "nat", map[string]any{"metadataOptions": map[string]any{"httpTokens": "optional"}})},
			good: []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "nat", map[string]any{"metadataOptions": map[string]any{"httpTokens": "required"}})}},
		{rule: "EC2-IMDSV2", name: "instance without metadata options",
			bad: []*mockengine.Resource{res("aws:ec2/instance:Instance", "bastion", map[string]any{})}},
		{rule: "EC2-EBS-ENC", name: "launch template with an unencrypted root volume",
			bad: []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "nat", map[string]any{
				"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{"encrypted": "false"}}}})},
			good: []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "nat", map[string]any{
				"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{"encrypted": "true"}}}})}},
		{rule: "EC2-EBS-ENC", name: "instance with an unencrypted root volume",
			bad:  []*mockengine.Resource{res("aws:ec2/instance:Instance", "bastion", map[string]any{"rootBlockDevice": map[string]any{"encrypted": false}})},
			good: []*mockengine.Resource{res("aws:ec2/instance:Instance", "bastion", map[string]any{"rootBlockDevice": map[string]any{"encrypted": true}})}},
		{rule: "NET-ALB-INTERNAL", name: "internet-facing load balancer",
			bad:  []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"internal": false})},
			good: []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"internal": true})}},
		{rule: "TLS-BUCKET", name: "bucket without a TLS-only policy",
			bad: []*mockengine.Resource{
				res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{}),
				res("aws:s3/bucketPolicy:BucketPolicy", "logs", map[string]any{"bucket": "logs-id", "policy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"x"},"Action":"s3:PutObject","Resource":"*"}]}`}),
			},
			good: []*mockengine.Resource{
				res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{}),
				res("aws:s3/bucketPolicy:BucketPolicy", "logs", map[string]any{"bucket": "logs-id", "policy": tlsDeny}),
			}},
		{rule: "NET-OPEN-INGRESS", name: "SSH from anywhere",
			bad: []*mockengine.Resource{res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh", map[string]any{
				"securityGroupId": "sg-app", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22})}},
		{rule: "NET-OPEN-INGRESS", name: "443 from ::/0 on a group no ALB uses",
			bad: []*mockengine.Resource{res("aws:ec2/securityGroup:SecurityGroup", "tasks", map[string]any{"ingress": []any{
				map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": []any{"::/0"}}}})}},
		{rule: "NET-OPEN-INGRESS", name: "all traffic from anywhere on the ALB",
			bad: []*mockengine.Resource{
				res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"securityGroups": []any{"sg-alb"}}),
				res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "all", map[string]any{"securityGroupId": "sg-alb", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"}),
			},
			good: []*mockengine.Resource{
				res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"securityGroups": []any{"sg-alb"}}),
				res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "https", map[string]any{"securityGroupId": "sg-alb", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}),
				res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "http6", map[string]any{"securityGroupId": "sg-alb", "cidrIpv6": "::/0", "ipProtocol": "tcp", "fromPort": 80, "toPort": 80}),
				res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app", map[string]any{"securityGroupId": "sg-app", "referencedSecurityGroupId": "sg-alb", "ipProtocol": "tcp", "fromPort": 3000, "toPort": 3000}),
			}},
		{rule: "NET-EGRESS-ANYWHERE", name: "MongoDB's port to every address",
			bad: []*mockengine.Resource{res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "mongo", map[string]any{
				"securityGroupId": "sg-app", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 27017, "toPort": 27017})},
			good: []*mockengine.Resource{
				res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "https", map[string]any{"securityGroupId": "sg-app", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}),
				res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "mongo", map[string]any{"securityGroupId": "sg-app", "cidrIpv4": "203.0.113.0/24", "ipProtocol": "tcp", "fromPort": 27017, "toPort": 27017}),
				res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "mongo-pl", map[string]any{"securityGroupId": "sg-app", "prefixListId": "pl-0123456789abcdef0", "ipProtocol": "tcp", "fromPort": 27017, "toPort": 27017}),
				res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh", map[string]any{"securityGroupId": "sg-app", "cidrIpv4": "10.0.0.0/16", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22}),
			}},
		{rule: "NET-EGRESS-ANYWHERE", name: "all traffic to ::/0 in an inline block",
			bad: []*mockengine.Resource{res("aws:ec2/securityGroup:SecurityGroup", "tasks", map[string]any{"egress": []any{
				map[string]any{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": []any{"::/0"}}}})},
			good: []*mockengine.Resource{res("aws:ec2/securityGroup:SecurityGroup", "tasks", map[string]any{
				"ingress": []any{map[string]any{"protocol": "tcp", "fromPort": 27017, "toPort": 27017, "cidrBlocks": []any{"0.0.0.0/0"}}},
				"egress":  []any{map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": []any{"::/0"}}}})}},
		{rule: "NET-PUBLIC-IP", name: "task with a public IP",
			bad:  []*mockengine.Resource{res("aws:ecs/service:Service", "web", map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": true}})},
			good: []*mockengine.Resource{res("aws:ecs/service:Service", "web", map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": false}})}},
		{rule: "NET-PUBLIC-IP", name: "bastion in a subnet that maps public IPs",
			bad: []*mockengine.Resource{
				res("aws:ec2/subnet:Subnet", "public", map[string]any{"mapPublicIpOnLaunch": true}),
				res("aws:ec2/instance:Instance", "bastion", map[string]any{"subnetId": "public-id"}),
			},
			good: []*mockengine.Resource{
				res("aws:ec2/subnet:Subnet", "private", map[string]any{}),
				res("aws:ec2/instance:Instance", "bastion", map[string]any{"subnetId": "private-id", "associatePublicIpAddress": false}),
			}},
		{rule: "DB-PUBLIC", name: "publicly accessible instance",
			bad:  []*mockengine.Resource{res("aws:rds/clusterInstance:ClusterInstance", "writer", map[string]any{"publiclyAccessible": true})},
			good: []*mockengine.Resource{res("aws:rds/clusterInstance:ClusterInstance", "writer", map[string]any{"publiclyAccessible": false})}},
		{rule: "LOG-FLOW", name: "VPC without flow log",
			bad:  []*mockengine.Resource{res("aws:ec2/vpc:Vpc", "vpc", map[string]any{})},
			good: []*mockengine.Resource{res("aws:ec2/vpc:Vpc", "vpc", map[string]any{}), res("aws:ec2/flowLog:FlowLog", "fl", map[string]any{"vpcId": "vpc-id"})}},
		{rule: "LOG-CONTAINER", name: "container without log configuration",
			bad:  []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "web", map[string]any{"containerDefinitions": `[{"name":"web","readonlyRootFilesystem":true}]`})},
			good: []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "web", map[string]any{"containerDefinitions": logged})}},
		{rule: "LOG-WAF", name: "web ACL without logging",
			bad: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{}, "arn", "arn:acl")},
			good: []*mockengine.Resource{res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{}, "arn", "arn:acl"),
				res("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "acl", map[string]any{"resourceArn": "arn:acl", "logDestinationConfigs": []any{"arn:logs"}})}},
		{rule: "LOG-DB", name: "Aurora PostgreSQL without log export",
			bad:  []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": []any{}})},
			good: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": []any{"postgresql"}})}},
		{rule: "LOG-ALB", name: "ALB without access logs",
			bad:  []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"accessLogs": map[string]any{"enabled": false, "bucket": "b"}})},
			good: []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"accessLogs": map[string]any{"enabled": true, "bucket": "b"}})}},
		{rule: "PROT-DB", name: "database without protect",
			bad: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"deletionProtection": true, "skipFinalSnapshot": false, "finalSnapshotIdentifier": "db-final"})},
			good: []*mockengine.Resource{protect(res("aws:rds/cluster:Cluster", "db", map[string]any{
				"deletionProtection": true, "skipFinalSnapshot": false, "finalSnapshotIdentifier": "db-final"}))}},
		{rule: "PROT-DB", name: "database skipping its final snapshot",
			bad: []*mockengine.Resource{protect(res("aws:rds/cluster:Cluster", "db", map[string]any{"deletionProtection": true, "skipFinalSnapshot": true}))}},
		{rule: "PROT-ALB", name: "ALB without deletion protection",
			bad:  []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{})},
			good: []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"enableDeletionProtection": true})}},
		{rule: "BACKUP-RETENTION", name: "one-day backups",
			bad:  []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"backupRetentionPeriod": 1})},
			good: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"backupRetentionPeriod": 7})}},
		{rule: "IAM-WILDCARD", name: "admin inline policy",
			bad: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "admin", map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`})},
			good: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "logs", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:PutLogEvents"],"Resource":["arn:aws:logs:ap-northeast-1:123456789012:log-group:x:*"]}]}`})}},
		{rule: "IAM-WILDCARD", name: "AdministratorAccess attached",
			bad: []*mockengine.Resource{res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})},
			good: []*mockengine.Resource{res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec", map[string]any{
				"policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"})}},
		{rule: "IAM-PARAM-SCOPE", name: "execution role reading another environment's parameters",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParameters"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/prod/*"]}]}`})},
			good: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParameters"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/test/*"]},{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:ap-northeast-1:123456789012:key/k"]}]}`})}},
		{rule: "IAM-PARAM-SCOPE", name: "kms:Decrypt on every key",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/policy:Policy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}}`})}},
		// Wildcards in actions and resources must not slip past the scope check.
		{rule: "IAM-PARAM-SCOPE", name: "kms:Decrypt* on every key",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt*"],"Resource":["*"]}]}`})}},
		{rule: "IAM-PARAM-SCOPE", name: "parameter reads on every resource but one (NotResource)",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParameters"],"NotResource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/prod/*"]}]}`})}},
		{rule: "IAM-PARAM-SCOPE", name: "every action but IAM on the account's parameters (NotAction)",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/*"]}]}`})},
			good: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/test/*"]}]}`})}},
		{rule: "IAM-WILDCARD", name: "every action on every resource but one (NotResource)",
			bad: []*mockengine.Resource{res("aws:iam/policy:Policy", "almost-admin", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":"*","NotResource":["arn:aws:s3:::audit/*"]}]}`})}},
		{rule: "IAM-PARAM-SCOPE", name: "kms:Decrypt on a key wildcard",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:ap-northeast-1:123456789012:key/*"]}]}`})}},
		{rule: "IAM-PARAM-SCOPE", name: "ssm:GetParam* on every SSM resource of the account",
			bad: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParam*"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:*"]}]}`})},
			good: []*mockengine.Resource{provider(goodTags), res("aws:iam/rolePolicy:RolePolicy", "exec", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParam*","kms:Decrypt"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/test/*","arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]},{"Effect":"Allow","Action":["*"],"Resource":["arn:aws:s3:::ecsite-test-bucket/*"]}]}`})}},
		{rule: "IAM-PASSROLE-SCOPE", name: "scheduler role passing any role",
			bad: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "scheduler", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["*"],"Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}]}`})},
			good: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "scheduler", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["arn:aws:iam::123456789012:role/ecsite-test-job-nightly-task-1234567"],"Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}]}`})}},
		{rule: "IAM-PASSROLE-SCOPE", name: "scheduler role passing the stack's roles by wildcard",
			bad: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "scheduler", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Pass*"],"Resource":["arn:aws:iam::123456789012:role/ecsite-test-*"],"Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}]}`})}},
		{rule: "IAM-PASSROLE-SCOPE", name: "named role passed to any service",
			bad: []*mockengine.Resource{res("aws:iam/rolePolicy:RolePolicy", "scheduler", map[string]any{
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["arn:aws:iam::123456789012:role/ecsite-test-job-nightly-task-1234567"]}]}`})}},
		{rule: "ECS-INSIGHTS", name: "cluster without Container Insights",
			bad:  []*mockengine.Resource{res("aws:ecs/cluster:Cluster", "c", map[string]any{"settings": []any{map[string]any{"name": "containerInsights", "value": "disabled"}}})},
			good: []*mockengine.Resource{res("aws:ecs/cluster:Cluster", "c", map[string]any{"settings": []any{map[string]any{"name": "containerInsights", "value": "enabled"}}})}},
		{rule: "ECS-READONLY-ROOT", name: "writable root filesystem",
			bad:  []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "web", map[string]any{"containerDefinitions": `[{"name":"web","logConfiguration":{"logDriver":"awslogs"}}]`})},
			good: []*mockengine.Resource{res("aws:ecs/taskDefinition:TaskDefinition", "web", map[string]any{"containerDefinitions": logged})}},
		{rule: "TAG-COST", name: "resource on the default provider",
			bad: []*mockengine.Resource{res("aws:sns/topic:Topic", "alarms", map[string]any{})},
			good: []*mockengine.Resource{provider(goodTags),
				withProvider(res("aws:sns/topic:Topic", "alarms", map[string]any{}), "urn:pulumi:test::ecsite::pulumi:providers:aws::aws::aws-id")}},
		{rule: "TAG-COST", name: "provider without cost-center",
			bad: []*mockengine.Resource{provider(map[string]any{"project": "ecsite", "environment": "test", "managed-by": "pulumi"}),
				withProvider(res("aws:sns/topic:Topic", "alarms", map[string]any{}), "urn:pulumi:test::ecsite::pulumi:providers:aws::aws::aws-id")}},
		// Each sub-check on its own: the violating graph differs from a compliant one
		// in exactly one setting.
		{rule: "ENC-RDS", name: "storageEncrypted unset",
			bad: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-postgresql"})}},
		{rule: "TLS-LISTENER", name: "HTTPS listener without a certificate",
			bad: []*mockengine.Resource{res("aws:lb/listener:Listener", "https", map[string]any{"port": 443, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})}},
		{rule: "NET-PUBLIC-IP", name: "launch template asking for a public IP",
			bad:  []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "lt", map[string]any{"networkInterfaces": []any{map[string]any{"deviceIndex": 0, "associatePublicIpAddress": "true"}}})},
			good: []*mockengine.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "lt", map[string]any{"networkInterfaces": []any{map[string]any{"deviceIndex": 0, "associatePublicIpAddress": "false"}}})}},
		{rule: "NET-PUBLIC-IP", name: "bastion asking for a public IP",
			bad: []*mockengine.Resource{res("aws:ec2/instance:Instance", "bastion", map[string]any{"associatePublicIpAddress": true})}},
		{rule: "LOG-DB", name: "cluster of another engine exporting nothing",
			bad:  []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-mysql"})},
			good: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-mysql", "enabledCloudwatchLogsExports": []any{"error"}})}},
		{rule: "PROT-DB", name: "database without deletion protection",
			bad: []*mockengine.Resource{protect(res("aws:rds/cluster:Cluster", "db", map[string]any{"deletionProtection": false, "finalSnapshotIdentifier": "db-final"}))}},
		{rule: "BACKUP-RETENTION", name: "retention unset (AWS defaults to 1 day)",
			bad: []*mockengine.Resource{res("aws:rds/cluster:Cluster", "db", map[string]any{})}},
		{rule: "IAM-WILDCARD", name: "NotAction allow on every resource",
			bad: []*mockengine.Resource{res("aws:iam/policy:Policy", "almost-admin", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","NotAction":["iam:*"],"Resource":["*"]}]}`})}},
		{rule: "IAM-WILDCARD", name: "role holding AdministratorAccess",
			bad:  []*mockengine.Resource{res("aws:iam/role:Role", "ops", map[string]any{"managedPolicyArns": []any{"arn:aws:iam::aws:policy/AdministratorAccess"}})},
			good: []*mockengine.Resource{res("aws:iam/role:Role", "ops", map[string]any{"managedPolicyArns": []any{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}})}},
		{rule: "ECS-INSIGHTS", name: "cluster without settings",
			bad: []*mockengine.Resource{res("aws:ecs/cluster:Cluster", "c", map[string]any{})}},
		{rule: "TAG-COST", name: "resource blanking a cost tag",
			bad: []*mockengine.Resource{provider(goodTags),
				withProvider(res("aws:sns/topic:Topic", "alarms", map[string]any{"tags": map[string]any{"cost-center": ""}}), "urn:pulumi:test::ecsite::pulumi:providers:aws::aws::aws-id")}},
		{rule: "NAME-LENGTH", name: "bucket name over 63 characters",
			bad:  []*mockengine.Resource{res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "ecsite-production-application-load-balancer-access-logs-1234567890"})},
			good: []*mockengine.Resource{res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "ecsite-prod-alb-logs-4c3328c"})}},
		{rule: "NAME-LENGTH", name: "IAM role name prefix over 38 characters",
			bad: []*mockengine.Resource{res("aws:iam/role:Role", "r", map[string]any{"namePrefix": "ecsite-production-api-task-execution-role-"})}},
		{rule: "NAME-LENGTH", name: "load balancer name over 32 characters",
			bad:  []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{}, "name", "ecsite-production-alb-1234567890ab")},
			good: []*mockengine.Resource{res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{}, "name", "ecsite-prod-alb-1234567")}},
	}
}

func ruleByID(t *testing.T, id string) Rule {
	t.Helper()
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return Rule{}
}

// TestEveryRuleCatchesAViolation feeds each rule a hand-built violating graph and sees
// it fire, and a compliant variant and sees it stay quiet.
func TestEveryRuleCatchesAViolation(t *testing.T) {
	for _, tc := range ruleCases() {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			rule := ruleByID(t, tc.rule)
			rep := EvaluateRules(mockengine.NewGraph("ecsite", "test", tc.bad...), []Rule{rule}, nil)
			if got := rep.Results[0]; got.Status() != "FAIL" {
				t.Errorf("violating graph: status %s, findings %v; want FAIL", got.Status(), got.Violations)
			}
			if tc.good == nil {
				return
			}
			rep = EvaluateRules(mockengine.NewGraph("ecsite", "test", tc.good...), []Rule{rule}, nil)
			if got := rep.Results[0]; got.Status() != "pass" {
				t.Errorf("compliant graph: status %s, findings %v; want pass", got.Status(), got.Violations)
			}
		})
	}
}

func TestEveryRuleHasACaseAndMetadata(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range ruleCases() {
		covered[tc.rule] = true
	}
	seen := map[string]bool{}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no violating test case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("rule id %s used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Rationale == "" || r.Severity == "" || r.Check == nil {
			t.Errorf("rule %s lacks a rationale, a severity or a check", r.ID)
		}
	}
}

func TestExceptionsCoverOnlyTheirStackAndResources(t *testing.T) {
	rule := ruleByID(t, "PROT-ALB")
	exc := []Exception{{Rule: "PROT-ALB", Stacks: []string{"dev"}, Resources: []string{"*-alb"}, Reason: "disposable"}}
	bad := func() []*mockengine.Resource {
		return []*mockengine.Resource{
			res("aws:lb/loadBalancer:LoadBalancer", "shop-alb", map[string]any{}),
			res("aws:lb/loadBalancer:LoadBalancer", "internal-lb", map[string]any{}),
		}
	}
	dev := EvaluateRules(mockengine.NewGraph("ecsite", "dev", bad()...), []Rule{rule}, exc)
	if r := dev.Results[0]; len(r.Excepted) != 1 || len(r.Violations) != 1 || r.Violations[0].Name != "internal-lb" {
		t.Errorf("dev: excepted %v, violations %v; want shop-alb excepted and internal-lb violating", r.Excepted, r.Violations)
	}
	prod := EvaluateRules(mockengine.NewGraph("ecsite", "prod", bad()...), []Rule{rule}, exc)
	if r := prod.Results[0]; len(r.Excepted) != 0 || len(r.Violations) != 2 {
		t.Errorf("prod: a dev exception applied: excepted %v", r.Excepted)
	}
	unused := EvaluateRules(mockengine.NewGraph("ecsite", "dev"), []Rule{rule}, exc)
	if len(unused.Unused) != 1 {
		t.Errorf("an exception matching nothing is not reported as unused")
	}
}

func TestExceptionsFile(t *testing.T) {
	if _, err := Exceptions(); err != nil {
		t.Fatalf("committed exceptions: %v", err)
	}
	bad := map[string]string{
		"unknown rule": "- rule: NO-SUCH-RULE\n  stacks: [dev]\n  reason: x\n",
		"no stacks":    "- rule: PROT-ALB\n  reason: x\n",
		"no reason":    "- rule: PROT-ALB\n  stacks: [dev]\n",
		"bad pattern":  "- rule: PROT-ALB\n  stacks: [dev]\n  resources: ['[']\n  reason: x\n",
	}
	for name, data := range bad {
		if _, err := ParseExceptions([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFlowsReadEverySource(t *testing.T) {
	g := NewGraph(mockengine.NewGraph("ecsite", "test",
		res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "a", map[string]any{"securityGroupId": "sg-1", "referencedSecurityGroupId": "sg-2", "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432}),
		res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "b", map[string]any{"securityGroupId": "sg-2", "cidrIpv4": "10.0.0.0/16", "ipProtocol": "-1"}),
		res("aws:ec2/securityGroupRule:SecurityGroupRule", "c", map[string]any{"type": "ingress", "securityGroupId": "sg-3", "cidrBlocks": []any{"10.0.0.0/8"}, "protocol": "tcp", "fromPort": 1, "toPort": 9}),
		res("aws:ec2/securityGroup:SecurityGroup", "d", map[string]any{"egress": []any{map[string]any{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": []any{"0.0.0.0/0"}}}}),
	))
	fl := g.Flows()
	if len(fl) != 4 {
		t.Fatalf("got %d flows: %+v", len(fl), fl)
	}
	want := map[string]bool{"ingress sg-1 sg-2 5432": true, "egress sg-2 10.0.0.0/16 all": true, "ingress sg-3 10.0.0.0/8 1-9": true, "egress d-id 0.0.0.0/0 all": true}
	for _, f := range fl {
		k := strings.Join([]string{f.Direction, f.Group, f.Peer, f.Ports()}, " ")
		if !want[k] {
			t.Errorf("unexpected flow %q", k)
		}
	}
}

// logsOnlyKeyPolicy lets only CloudWatch Logs use a key.
const logsOnlyKeyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logs.ap-northeast-1.amazonaws.com"},"Action":["kms:Decrypt*","kms:GenerateDataKey*"],"Resource":"*"}]}`

// cloudWatchKeyPolicy lets CloudWatch use a key for the alarms sourceArn matches.
func cloudWatchKeyPolicy(sourceArn string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"` + sourceArn + `"}}}]}`
}

// alarmDelivery is an alarm in ap-northeast-1 notifying a topic encrypted with keyRef (the
// key's ARN or the alias alias/ecsite-dev-alarms), whose key has keyPolicy.
func alarmDelivery(keyPolicy, keyRef, alarm string) []*mockengine.Resource {
	provider := res("pulumi:providers:aws", "aws", map[string]any{"region": "ap-northeast-1"})
	provider.URN, provider.ID = "urn:pulumi:test::ecsite::pulumi:providers:aws::aws", "p1"
	ref := provider.URN + "::" + provider.ID
	key := withProvider(res("aws:kms/key:Key", "k", map[string]any{"policy": keyPolicy}, "arn", "arn:aws:kms:ap-northeast-1:123456789012:key/k"), ref)
	key.ID = "k"
	alias := withProvider(res("aws:kms/alias:Alias", "k", map[string]any{"name": "alias/ecsite-dev-alarms", "targetKeyId": "k"}), ref)
	topic := withProvider(res("aws:sns/topic:Topic", "alarms", map[string]any{"kmsMasterKeyId": keyRef}, "arn", "arn:aws:sns:ap-northeast-1:123456789012:alarms"), ref)
	a := withProvider(res("aws:cloudwatch/metricAlarm:MetricAlarm", alarm, map[string]any{"name": alarm,
		"alarmActions": []any{"arn:aws:sns:ap-northeast-1:123456789012:alarms"}, "okActions": []any{"arn:aws:sns:ap-northeast-1:123456789012:alarms"}}), ref)
	return []*mockengine.Resource{provider, key, alias, topic, a}
}

// keyInUsEast1 moves the key of an alarmDelivery graph to a provider in us-east-1.
func keyInUsEast1(rs []*mockengine.Resource) []*mockengine.Resource {
	p := res("pulumi:providers:aws", "us-east-1", map[string]any{"region": "us-east-1"})
	p.URN, p.ID = "urn:pulumi:test::ecsite::pulumi:providers:aws::us-east-1", "p2"
	for _, r := range rs {
		if r.Type == "aws:kms/key:Key" {
			r.Provider = p.URN + "::" + p.ID
		}
	}
	return append(rs, p)
}
