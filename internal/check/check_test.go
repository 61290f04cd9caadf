package check

import (
	"strings"
	"testing"
)

func TestProblemsKeys(t *testing.T) {
	p := NewProblems()
	p.Addf("environment", "must be set")
	net := p.Under("network")
	net.Addf("natGateways", "%q is not allowed", "x")
	net.Under("availabilityZones").Addf("[1]", "twice")
	svc := p.Under("services").Under("[0]")
	svc.Addf("", "whole entry")
	svc.Allowed("architecture", "sparc", []string{"x86_64", "arm64"})
	svc.Retention("logRetentionDays", 2)
	svc.Retention("logRetentionDays", 7) // allowed: no problem

	ve, ok := AsValidationError(p.Err())
	if !ok {
		t.Fatalf("Err() = %v; want a *ValidationError", p.Err())
	}
	want := []string{"environment", "network.natGateways", "network.availabilityZones[1]", "services[0]", "services[0].architecture", "services[0].logRetentionDays"}
	if len(ve.Fields) != len(want) {
		t.Fatalf("got %d problems %v; want %d", len(ve.Fields), ve.Fields, len(want))
	}
	for i, k := range want {
		if ve.Fields[i].Key != k {
			t.Errorf("problem %d key = %q; want %q", i, ve.Fields[i].Key, k)
		}
	}
	if !ve.Has("services") || !ve.Has("network") || ve.Has("database") || ve.Has("net") {
		t.Errorf("Has is wrong for %v", ve.Keys())
	}
	if !strings.Contains(ve.Error(), "(6 problems)") || !strings.Contains(ve.Error(), `services[0].architecture: "sparc" is not allowed; use one of x86_64, arm64`) {
		t.Errorf("Error() = %s", ve.Error())
	}
	if NewProblems().Err() != nil {
		t.Error("an empty list must not be an error")
	}
}

type entry struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (e *entry) UnmarshalJSON(b []byte) error {
	type plain entry
	return DecodeFresh(b, (*plain)(e))
}

type holder struct {
	RateLimit int     `json:"rateLimit"`
	Entries   []entry `json:"entries"`
}

func TestDecodeStrict(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"rateLimit": 5}`, ""},
		{`{"ratelimit": 5}`, `unknown field "ratelimit" (did you mean "rateLimit"?)`},
		{`{"rate": 5}`, `unknown field "rate"`},
		{`{"entries": [{"name": "a", "cnt": 1}]}`, `unknown field "cnt"`},
		{`{"rateLimit": 5} {}`, "unexpected data after the value"},
	} {
		h := holder{}
		err := DecodeStrict(tc.in, &h)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("DecodeStrict(%s) = %v; want %q", tc.in, err, tc.err)
		}
	}
	// A list entry replaces the default entry at its position whole.
	h := holder{Entries: []entry{{Name: "default", Count: 3}}}
	if err := DecodeStrict(`{"entries": [{"name": "mine"}]}`, &h); err != nil {
		t.Fatal(err)
	}
	if h.Entries[0] != (entry{Name: "mine"}) {
		t.Errorf("entry = %+v; want the default's count dropped", h.Entries[0])
	}
}
