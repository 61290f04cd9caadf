package program

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
)

// awaitingImage reports whether a service's image is missing from the repository the
// stack creates for it (repository), which is how every fresh stack starts: the stack
// creates the repositories empty. A missing repository or image is "awaiting"; any other
// failure (no permission, throttling) is an error, so that a service is never scaled to
// zero by accident. A service whose image lives in an outside repository is never
// awaiting: ECS pulls it, and a wrong reference fails the deployment as it should.
func awaitingImage(ctx *pulumi.Context, repository string, img compute.Image, provider pulumi.ProviderResource) (bool, error) {
	if img.Repository != "" {
		return false, nil
	}
	args := &ecr.GetImageArgs{RepositoryName: repository}
	if img.Digest != "" {
		args.ImageDigest = pulumi.StringRef(img.Digest)
	} else {
		args.ImageTag = pulumi.StringRef(img.Tag)
	}
	if _, err := ecr.GetImage(ctx, args, pulumi.Provider(provider)); err != nil {
		if isNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("looking up image %s%s: %w", repository, img.Reference(), err)
	}
	return false, nil
}

// isNotFound recognises ECR's answers for a repository or an image that does not exist
// (RepositoryNotFoundException, ImageNotFoundException), and the provider's wording of
// an empty result.
func isNotFound(err error) bool {
	msg := err.Error()
	for _, s := range []string{"RepositoryNotFoundException", "ImageNotFoundException", "does not exist", "not found"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
