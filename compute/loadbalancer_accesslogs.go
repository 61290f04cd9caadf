package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/bucket"
	"github.com/ecsite/infra/internal/iamdoc"
)

// accessLogPrefix is the key prefix of the access logs in their bucket.
const accessLogPrefix = "alb"

// CdnLogPrefix is the folder of the same bucket that receives the CloudFront
// distribution's standard logs (v2), delivered by CloudWatch Logs.
const CdnLogPrefix = "cloudfront"

// newAccessLogBucket creates the access-log bucket: SSE-S3 encryption (the only kind ALB
// log delivery supports), public access blocked, objects owned by the bucket owner,
// expiry, and a policy that admits only TLS requests and lets the region's Elastic Load
// Balancing account write under <prefix>/AWSLogs/<account>/ (for ap-northeast-1, account
// 582318560864; https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
// It returns the bucket and the resources the load balancer must wait for.
func newAccessLogBucket(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOrInvokeOption) (*s3.BucketV2, []pulumi.Resource, error) {
	b, err := bucket.NewPrivate(ctx, name+"-alb-logs", args.Settings.ForceDestroyAccessLogs, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-alb-logs", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-access-logs"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(accessLogPrefix + "/")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.Settings.AccessLogExpirationDays)},
		}, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-cdn-logs"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(CdnLogPrefix + "/")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.Settings.AccessLogExpirationDays)},
		}},
	}, parent); err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	delivery, err := elb.GetServiceAccount(ctx, nil, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("looking up the Elastic Load Balancing account: %w", err)
	}
	policyJSON := b.Arn.ApplyT(func(arn string) (string, error) {
		return AccessLogBucketPolicy(arn, delivery.Arn, args.AccountID).JSON()
	}).(pulumi.StringOutput)
	policy, err := s3.NewBucketPolicy(ctx, name+"-alb-logs", &s3.BucketPolicyArgs{
		Bucket: b.ID(),
		Policy: policyJSON,
	}, parent, pulumi.DependsOn([]pulumi.Resource{b.Block}))
	if err != nil {
		return nil, nil, fmt.Errorf("bucket policy: %w", err)
	}
	return b.BucketV2, []pulumi.Resource{policy, b.Encryption}, nil
}

// AccessLogBucketPolicy is the access-log bucket's policy: the ELB account of the region
// may put objects under alb/AWSLogs/<account>/; CloudWatch Logs' delivery service may put
// the CloudFront distribution's standard logs under cloudfront/, only for this account's
// delivery sources in us-east-1, where CloudFront's log delivery runs
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-V2-S3.html);
// every request must use TLS.
func AccessLogBucketPolicy(bucketArn, elbAccountArn, accountID string) iamdoc.Document {
	return iamdoc.New(
		iamdoc.Statement{
			Sid:       "ElbLogDelivery",
			Principal: map[string]any{"AWS": elbAccountArn},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketArn + "/" + accessLogPrefix + "/AWSLogs/" + accountID + "/*"},
		},
		iamdoc.Statement{
			Sid:       "CdnLogDelivery",
			Principal: map[string]any{"Service": "delivery.logs.amazonaws.com"},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketArn + "/" + CdnLogPrefix + "/*"},
			Condition: map[string]map[string]any{
				"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": accountID},
				"ArnLike":      {"aws:SourceArn": "arn:aws:logs:us-east-1:" + accountID + ":delivery-source:*"},
			},
		},
		bucket.DenyInsecureTransport(bucketArn),
	)
}
