package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultImagesToKeep is how many images a service's ECR repository keeps when
// ServiceArgs.ImagesToKeep is 0.
const DefaultImagesToKeep = 30

// newRepository creates the service's ECR repository: immutable tags, scan on push,
// KMS encryption and a lifecycle policy keeping the last imagesToKeep images.
func newRepository(ctx *pulumi.Context, name string, imagesToKeep int, forceDelete bool, parent pulumi.ResourceOption) (*ecr.Repository, error) {
	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name:               pulumi.String(name),
		ForceDelete:        pulumi.Bool(forceDelete),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("KMS"),
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("repository %s-repo: %w", name, err)
	}
	policy, err := LifecyclePolicy(imagesToKeep)
	if err != nil {
		return nil, fmt.Errorf("lifecycle policy: %w", err)
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-repo", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(policy),
	}, parent); err != nil {
		return nil, fmt.Errorf("lifecycle policy %s-repo: %w", name, err)
	}
	return repo, nil
}

// LifecyclePolicy is an ECR lifecycle policy that expires all but the newest n images
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
func LifecyclePolicy(n int) (string, error) {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountNumber int    `json:"countNumber"`
	}
	type action struct {
		Type string `json:"type"`
	}
	type rule struct {
		RulePriority int       `json:"rulePriority"`
		Description  string    `json:"description"`
		Selection    selection `json:"selection"`
		Action       action    `json:"action"`
	}
	b, err := json.Marshal(map[string][]rule{"rules": {{
		RulePriority: 1,
		Description:  fmt.Sprintf("Keep the newest %d images", n),
		Selection:    selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: n},
		Action:       action{Type: "expire"},
	}}})
	return string(b), err
}
