package mockengine

import (
	"context"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Export is one resolved stack output.
type Export struct {
	Value  any
	Secret bool
}

// Exports records stack outputs; its Record method has the shape of program.Exporter.
type Exports struct {
	mu     sync.Mutex
	values map[string]Export
	errs   []error
}

// NewExports returns an empty recorder.
func NewExports() *Exports { return &Exports{values: map[string]Export{}} }

// Record resolves value under the mock engine and stores it with its secret-ness.
func (e *Exports) Record(name string, value pulumi.Input) {
	res, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(value))
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.errs = append(e.errs, err)
		return
	}
	e.values[name] = Export{Value: res.Value, Secret: res.Secret}
}

// Get returns the named output and whether it was exported.
func (e *Exports) Get(name string) (Export, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.values[name]
	return v, ok
}

// Names returns the exported names, sorted.
func (e *Exports) Names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for k := range e.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Errors returns the errors met while resolving outputs.
func (e *Exports) Errors() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// Result is one run of a program under the mock engine: what it registered, the stack
// outputs it exported and its error.
type Result struct {
	*Mocks
	Exports *Exports
	Err     error
}

// RunProgram runs program for stack with opts applied and every stack output recorded;
// program receives the function it exports with. The tests (internal/programtest) and
// the report (report.Run) both run the whole program through it.
func RunProgram(program func(ctx *pulumi.Context, export func(name string, value pulumi.Input)) error, stack string, opts Options) Result {
	exports := NewExports()
	m, err := Run(func(ctx *pulumi.Context) error {
		return program(ctx, exports.Record)
	}, stack, opts)
	return Result{Mocks: m, Exports: exports, Err: err}
}
