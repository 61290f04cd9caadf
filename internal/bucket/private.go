// Package bucket creates the stack's private S3 buckets, so that every bucket gets the
// same protections from one place.
package bucket

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// Private is a bucket with its public access blocked, ACLs disabled (objects owned by the
// bucket owner) and SSE-S3 encryption.
type Private struct {
	*s3.BucketV2
	// Block is the public access block; a bucket policy should wait for it.
	Block *s3.BucketPublicAccessBlock
	// Encryption is the default encryption; writers that need it in place wait for it.
	Encryption *s3.BucketServerSideEncryptionConfigurationV2
}

// NewPrivate creates the bucket and its protections, all under the logical name name.
// forceDestroy lets a destroy delete the bucket with its objects.
func NewPrivate(ctx *pulumi.Context, name string, forceDestroy bool, opts ...pulumi.ResourceOption) (*Private, error) {
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{ForceDestroy: pulumi.Bool(forceDestroy)}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                b.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s public access block: %w", name, err)
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...); err != nil {
		return nil, fmt.Errorf("bucket %s ownership controls: %w", name, err)
	}
	sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s encryption: %w", name, err)
	}
	return &Private{BucketV2: b, Block: block, Encryption: sse}, nil
}

// DenyInsecureTransport is the bucket policy statement that refuses every request to the
// bucket with ARN bucketArn, and to its objects, that does not use TLS
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
func DenyInsecureTransport(bucketArn string) iamdoc.Statement {
	return iamdoc.Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]any{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}
