package program_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/internal/mockengine"
)

func resourceInputs(r *mockengine.Resource) resource.PropertyValue {
	return resource.NewObjectProperty(r.Inputs)
}
