package program

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
)

// servicesAwaitingImages returns the services that start without their image (zero
// tasks, no autoscaling), keyed by name. Every running service whose image is missing is
// reported at once, as one error naming each services[i].image.
func servicesAwaitingImages(ctx *pulumi.Context, cfg *config.Config, provider pulumi.ProviderResource) (map[string]bool, error) {
	last, err := readLastDeployment(ctx, cfg.Prefix()+"-last-deployment")
	if err != nil {
		return nil, err
	}
	awaiting := map[string]bool{}
	var problems []string
	for i, sc := range cfg.Services {
		absent, lookup, err := awaitingImage(ctx, i, cfg.Prefix()+"-"+sc.Name, sc, last, provider)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if absent {
			awaiting[sc.Name] = true
			ctx.Log.Info(fmt.Sprintf("service %s has never run and its image lookup failed, so it starts with zero tasks; the lookup said: %s", sc.Name, lookup), nil)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d service image(s) missing:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return awaiting, nil
}

// lastDeployment is what the stack's previous `pulumi up` exported about its services:
// which it created (output serviceNames) and which of those it created without their
// image (output servicesAwaitingImages). A stack that was never deployed has neither.
type lastDeployment struct {
	deployed map[string]bool
	awaiting map[string]bool
}

// running reports whether the last deployment ran the service with its image and its
// autoscaling: it created the service and did not list it as awaiting its image.
func (l lastDeployment) running(service string) bool {
	return l.deployed[service] && !l.awaiting[service]
}

// readLastDeployment reads the stack's own outputs from its previous deployment through
// a stack reference to itself (the backend answers with the outputs of the last update;
// https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences). It is how the
// program tells a service that has never run from one that has, without asking AWS and
// without depending on how the provider words an error. A backend that cannot answer
// stops the program with its error: the program never guesses a service's history.
func readLastDeployment(ctx *pulumi.Context, name string) (lastDeployment, error) {
	self := ctx.Organization() + "/" + ctx.Project() + "/" + ctx.Stack()
	ref, err := pulumi.NewStackReference(ctx, name, &pulumi.StackReferenceArgs{Name: pulumi.String(self)})
	if err != nil {
		return lastDeployment{}, fmt.Errorf("reading this stack's last deployment: %w", err)
	}
	l := lastDeployment{deployed: map[string]bool{}, awaiting: map[string]bool{}}
	names, err := ref.GetOutputDetails("serviceNames")
	if err != nil {
		return lastDeployment{}, fmt.Errorf("reading this stack's last deployment (output serviceNames): %w", err)
	}
	if m, ok := names.Value.(map[string]any); ok {
		for k := range m {
			l.deployed[k] = true
		}
	}
	awaiting, err := ref.GetOutputDetails("servicesAwaitingImages")
	if err != nil {
		return lastDeployment{}, fmt.Errorf("reading this stack's last deployment (output servicesAwaitingImages): %w", err)
	}
	if list, ok := awaiting.Value.([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				l.awaiting[s] = true
			}
		}
	}
	return l, nil
}

// awaitingImage decides whether service number index starts without its image. Only a
// service that has never run may: the stack creates its ECR repository empty, so on a
// fresh stack (or for a newly added service) the image cannot be there yet, and the
// service is created with zero tasks and without autoscaling. The decision rests on the
// stack's last deployment, not on the wording of the lookup's error:
//   - the image lives in an outside repository: never awaiting (ECS pulls it, and a wrong
//     reference fails the deployment as it should);
//   - the lookup in the service's own repository succeeds: not awaiting;
//   - the lookup fails and the last deployment ran the service: an error naming
//     services[index].image, before anything changes (a deployment would replace the
//     running tasks by ones that cannot pull and remove the service's autoscaling);
//   - the lookup fails and the service has never run: awaiting; the warning carries the
//     lookup's error, whatever it says.
func awaitingImage(ctx *pulumi.Context, index int, repository string, sc compute.ServiceSettings, last lastDeployment, provider pulumi.ProviderResource) (bool, string, error) {
	img := sc.Image
	if img.Repository != "" {
		return false, "", nil
	}
	args := &ecr.GetImageArgs{RepositoryName: repository}
	if img.Digest != "" {
		args.ImageDigest = pulumi.StringRef(img.Digest)
	} else {
		args.ImageTag = pulumi.StringRef(img.Tag)
	}
	_, err := ecr.GetImage(ctx, args, pulumi.Provider(provider))
	if err == nil {
		return false, "", nil
	}
	if last.running(sc.Name) {
		return false, "", fmt.Errorf("services[%d].image: %s%s cannot be read from the service's repository, and service %s is running: "+
			"deploying it would replace its tasks by ones that cannot start and remove its autoscaling. Push the image, or set "+
			"services[%d].image to one the repository holds (the lookup said: %v)", index, repository, img.Reference(), sc.Name, index, err)
	}
	return true, err.Error(), nil
}
