package edge

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/bucket"
	"github.com/ecsite/infra/internal/iamdoc"
)

// assetsBucket is the private bucket the asset paths are served from.
type assetsBucket struct {
	*s3.BucketV2
	// block is the public access block; the bucket policy waits for it.
	block *s3.BucketPublicAccessBlock
}

// newAssetsBucket creates the assets bucket in the stack's region: public access blocked,
// objects owned by the bucket owner (ACLs disabled), and SSE-S3 encryption.
//
// Why SSE-S3 rather than SSE-KMS: origin access control reads SSE-S3 objects with no
// further setup, while an SSE-KMS key policy would have to let the CloudFront service
// principal decrypt
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html);
// the assets are public once served, so a customer managed key would add cost and a
// policy to get right without protecting anything more.
func newAssetsBucket(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*assetsBucket, error) {
	// The bucket holds build output that every release uploads again (hashed file names),
	// never user data, so a destroy may empty it in any stack.
	b, err := bucket.NewPrivate(ctx, name+"-assets", true, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q assets: %w", name, err)
	}
	return &assetsBucket{BucketV2: b.BucketV2, block: b.Block}, nil
}

// allowDistribution sets the bucket policy that lets only the distribution read objects.
func (b *assetsBucket) allowDistribution(ctx *pulumi.Context, name string, distributionArn pulumi.StringOutput, parent pulumi.ResourceOption) error {
	policy := pulumi.All(b.Arn, distributionArn).ApplyT(func(v []any) (string, error) {
		return AssetsBucketPolicy(v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name+"-assets", &s3.BucketPolicyArgs{
		Bucket: b.ID(),
		Policy: policy,
	}, parent, pulumi.DependsOn([]pulumi.Resource{b.block})); err != nil {
		return fmt.Errorf("cdn %q assets bucket policy: %w", name, err)
	}
	return nil
}

// AssetsBucketPolicy is the assets bucket's policy: the CloudFront service principal may
// get objects only on behalf of the one distribution (the AWS:SourceArn condition AWS
// documents for origin access control,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html),
// and every request must use TLS
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
func AssetsBucketPolicy(bucketArn, distributionArn string) iamdoc.Document {
	return iamdoc.New(
		iamdoc.Statement{
			Sid:       "CloudFrontReadsAssets",
			Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{bucketArn + "/*"},
			Condition: map[string]map[string]any{"StringEquals": {"AWS:SourceArn": distributionArn}},
		},
		bucket.DenyInsecureTransport(bucketArn),
	)
}
