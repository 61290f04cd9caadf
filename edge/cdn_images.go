package edge

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageQueryStrings are the query strings Next.js's image optimizer answers by: the
// source image (url), the width (w) and the quality (q)
// (https://nextjs.org/docs/app/api-reference/components/image). They are the cache key's
// query strings, so a request with any other query string shares their cache entry.
var ImageQueryStrings = []string{"url", "w", "q"}

// ImageHeaders are the headers the image optimizer answers by: it picks AVIF, WebP or
// the source format from Accept and answers with Vary: Accept, which CloudFront does not
// honour, so Accept must be in the cache key
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html).
var ImageHeaders = []string{"Accept"}

// TTLs of the image cache policy, in seconds. The optimizer always sends Cache-Control
// (max-age from images.minimumCacheTTL or the source image's own, whichever is longer),
// and CloudFront keeps an object for that max-age clamped to [min, max]
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html):
//   - min 0, so no-store, private or max-age=0 from the origin keep a response out of
//     the cache;
//   - default one day, used only for a response without Cache-Control or Expires, the
//     same as the managed CachingOptimized policy;
//   - max one year, the longest max-age of a hashed image, so the origin's max-age
//     decides in practice.
const (
	ImageMinTTL     = 0
	ImageDefaultTTL = 86400
	ImageMaxTTL     = 31536000
)

// newImageCachePolicy creates the cache policy of the image optimizer's behaviour: the
// cache key (and all that reaches the optimizer) is ImageQueryStrings and ImageHeaders,
// no cookie, and compressed responses are cached per encoding.
func newImageCachePolicy(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*cloudfront.CachePolicy, error) {
	policy, err := cloudfront.NewCachePolicy(ctx, name+"-images", &cloudfront.CachePolicyArgs{
		Comment:    pulumi.String("Next.js image optimizer responses of " + name),
		MinTtl:     pulumi.Int(ImageMinTTL),
		DefaultTtl: pulumi.Int(ImageDefaultTTL),
		MaxTtl:     pulumi.Int(ImageMaxTTL),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			EnableAcceptEncodingGzip:   pulumi.Bool(true),
			EnableAcceptEncodingBrotli: pulumi.Bool(true),
			CookiesConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{
				CookieBehavior: pulumi.String("none"),
			},
			HeadersConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{
				HeaderBehavior: pulumi.String("whitelist"),
				Headers: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigHeadersArgs{
					Items: pulumi.ToStringArray(ImageHeaders),
				},
			},
			QueryStringsConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{
				QueryStringBehavior: pulumi.String("whitelist"),
				QueryStrings: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigQueryStringsArgs{
					Items: pulumi.ToStringArray(ImageQueryStrings),
				},
			},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q image cache policy: %w", name, err)
	}
	return policy, nil
}
