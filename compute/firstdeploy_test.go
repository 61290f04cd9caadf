package compute_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// TestFirstDeployStartsWithZeroTasks: a service whose image is not in its repository yet
// (every service of a fresh stack) is created with zero tasks and no autoscaling, so the
// first `pulumi up` ends green; the output servicesAwaitingImages names it. The other
// services are untouched, and the committed stacks await nothing.
func TestFirstDeployStartsWithZeroTasks(t *testing.T) {
	services := `[{"name":"web","image":{"tag":"` + mockengine.MockImageMissingTag + `"}},{"name":"api","image":{"tag":"1.0.0"}}]`
	r := programtest.MustRun(t, "prod", mockengine.Options{Config: map[string]string{programtest.Key(t, "services"): services}})
	for _, svc := range r.ByType(programtest.TypeEcsService) {
		web := strings.Contains(svc.Name, "-web")
		if want := map[bool]float64{true: 0, false: 2}[web]; svc.In("desiredCount").Num() != want {
			t.Errorf("%s: desiredCount %v; want %v", svc.Name, svc.In("desiredCount").Plain(), want)
		}
	}
	for _, typ := range []string{programtest.TypeScalingTarget, programtest.TypeScalingPolicy} {
		for _, res := range r.ByType(typ) {
			if strings.Contains(res.Name, "-web") {
				t.Errorf("%s %s exists for a service without its image", typ, res.Name)
			}
		}
		if len(r.ByType(typ)) == 0 {
			t.Errorf("no %s for api, whose image exists", typ)
		}
	}
	if got, _ := r.Exports.Get("servicesAwaitingImages"); fmt.Sprint(got.Value) != "[web]" {
		t.Errorf("servicesAwaitingImages %#v; want [web]", got.Value)
	}
	for _, stack := range programtest.Stacks {
		r := programtest.MustRun(t, stack, mockengine.Options{})
		got, ok := r.Exports.Get("servicesAwaitingImages")
		if list, _ := got.Value.([]any); !ok || len(list) != 0 {
			t.Errorf("%s awaits images %v (exported %v)", stack, got.Value, ok)
		}
	}
}

// running is the last deployment of a stack whose services all ran with their images.
func running(names ...string) map[string]any {
	m := map[string]any{}
	for _, n := range names {
		m[n] = "ecsite-prod-" + n
	}
	return map[string]any{"serviceNames": m, "servicesAwaitingImages": []any{}}
}

// TestImageMissingFromARunningServiceIsAnError: a service the last deployment ran with
// its image never counts as awaiting, whatever the lookup says (the provider's own
// wording for a missing image, or a refusal): the program stops before it registers any
// resource a deployment could change, and names each services[i].image at once.
func TestImageMissingFromARunningServiceIsAnError(t *testing.T) {
	for name, tag := range map[string]string{"missing": mockengine.MockImageMissingTag, "denied": mockengine.MockImageDeniedTag} {
		t.Run(name, func(t *testing.T) {
			services := `[{"name":"web","image":{"tag":"` + tag + `"}},{"name":"api","image":{"tag":"` + tag + `"}}]`
			r := programtest.Run("prod", mockengine.Options{
				Config:         map[string]string{programtest.Key(t, "services"): services},
				LastDeployment: running("web", "api"),
			})
			if r.Err == nil {
				t.Fatal("the program went on with a running service's image missing")
			}
			for _, want := range []string{"services[0].image", "services[1].image", ":" + tag, "running"} {
				if !strings.Contains(r.Err.Error(), want) {
					t.Errorf("error %q does not say %q", r.Err, want)
				}
			}
			for _, res := range r.Resources() {
				if !res.IsProvider() && res.Type != mockengine.StackReferenceType {
					t.Errorf("%s (%s) registered before the image error", res.Name, res.Type)
				}
			}
		})
	}
}

// TestServiceStillAwaitingItsImage: a service the last deployment created without its
// image (a re-run before the push) stays awaiting, and a service added to a running stack
// awaits its image too; the running ones keep their autoscaling.
func TestServiceStillAwaitingItsImage(t *testing.T) {
	services := `[{"name":"web","image":{"tag":"` + mockengine.MockImageMissingTag + `"}},{"name":"api","image":{"tag":"1.0.0"}},` +
		`{"name":"admin","port":3002,"pathPattern":"/admin/*","priority":200,"image":{"tag":"` + mockengine.MockImageDeniedTag + `"}}]`
	last := running("web", "api")
	last["servicesAwaitingImages"] = []any{"web"}
	r := programtest.Run("prod", mockengine.Options{
		Config:         map[string]string{programtest.Key(t, "services"): services},
		LastDeployment: last,
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	got, _ := r.Exports.Get("servicesAwaitingImages")
	if fmt.Sprint(got.Value) != "[web admin]" && fmt.Sprint(got.Value) != "[admin web]" {
		t.Errorf("servicesAwaitingImages %v; want web (awaiting before) and admin (never deployed)", got.Value)
	}
	targets := 0
	for _, res := range r.ByType(programtest.TypeScalingTarget) {
		if !strings.Contains(res.Name, "-api") {
			t.Errorf("scaling target %s of a service without its image", res.Name)
		}
		targets++
	}
	if targets != 1 {
		t.Errorf("%d scaling targets; want api's only", targets)
	}
}
