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

// TestImageLookupFailureIsAnError: a lookup that fails for another reason than a missing
// image stops the program instead of scaling the service to zero.
func TestImageLookupFailureIsAnError(t *testing.T) {
	services := `[{"name":"web","image":{"tag":"` + mockengine.MockImageDeniedTag + `"}},{"name":"api","image":{"tag":"1.0.0"}}]`
	r := programtest.Run("prod", mockengine.Options{Config: map[string]string{programtest.Key(t, "services"): services}})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "AccessDenied") || !strings.Contains(r.Err.Error(), "service web") {
		t.Errorf("program error %v; want the failed lookup of web's image", r.Err)
	}
}
