package compute

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecsite/infra/internal/check"
)

// DefaultPathPattern marks the service that receives every request no other service
// claims: it is the listener's default action rather than a listener rule.
const DefaultPathPattern = "/*"

// ScheduleTimezone is the time zone of every scheduled scaling action.
const ScheduleTimezone = "Asia/Tokyo"

// Image names a container image: a repository and exactly one of tag or digest.
type Image struct {
	// Repository is an image repository outside this stack (registry/path, no tag).
	// Optional. Defaults to "", meaning the service's own ECR repository.
	Repository string `json:"repository"`
	// Tag is an immutable tag; "latest" is refused. Set Tag or Digest.
	Tag string `json:"tag"`
	// Digest is an image digest, sha256:<64 hex digits>. Set Tag or Digest.
	Digest string `json:"digest"`
}

// Reference is the part after the repository: ":tag" or "@digest".
func (i Image) Reference() string {
	if i.Digest != "" {
		return "@" + i.Digest
	}
	return ":" + i.Tag
}

// Service kinds (services[].kind), after AWS Copilot's service types: what reaches the
// service, and so which resources it gets.
const (
	// KindWeb is behind the load balancer: a path pattern, a listener rule (unless it is
	// the default service), a target group with its health check and alarms. Another
	// service may also call it through Service Connect.
	KindWeb = "web"
	// KindBackend has a port that only the services that list it in calls reach,
	// through ECS Service Connect; nothing of the load balancer.
	KindBackend = "backend"
	// KindWorker has no port and nothing reaches it (a queue consumer, say); a container
	// health check command tells ECS whether a task is healthy.
	KindWorker = "worker"
)

// ServiceKinds lists the allowed values of services[].kind.
var ServiceKinds = []string{KindWeb, KindBackend, KindWorker}

// ContainerHealthCheck is a health check command ECS runs inside the container
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html); an
// empty command means none.
type ContainerHealthCheck struct {
	// Command starts with CMD (the arguments run directly) or CMD-SHELL (one shell
	// command line), e.g. ["CMD-SHELL","node healthcheck.js"]; exit code 0 is healthy.
	// Required for a worker; optional for web and backend. Defaults to none.
	Command []string `json:"command"`
	// IntervalSeconds between checks, 5-300. Optional. Defaults to 30.
	IntervalSeconds int `json:"intervalSeconds"`
	// TimeoutSeconds of one check, 2-60. Optional. Defaults to 5.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// Retries of a failed check before the container is unhealthy, 1-10. Optional. Defaults to 3.
	Retries int `json:"retries"`
	// StartPeriodSeconds lets the container start before failures count, 0-300 (0 is
	// off). Optional. Defaults to 0.
	StartPeriodSeconds int `json:"startPeriodSeconds"`
}

// Set reports whether the container health check has a command.
func (h ContainerHealthCheck) Set() bool { return len(h.Command) > 0 }

// HealthCheck is a target group health check.
type HealthCheck struct {
	// Path is the HTTP path probed. Required.
	Path string `json:"path"`
	// Matcher lists the healthy HTTP codes, 200-499 ("200", "200-299"). Optional. Defaults to 200.
	Matcher string `json:"matcher"`
	// IntervalSeconds between probes. Optional. Defaults to 30.
	IntervalSeconds int `json:"intervalSeconds"`
	// TimeoutSeconds of one probe. Optional. Defaults to 5.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// HealthyThreshold is the number of successes that make a target healthy. Optional. Defaults to 2.
	HealthyThreshold int `json:"healthyThreshold"`
	// UnhealthyThreshold is the number of failures that make it unhealthy. Optional. Defaults to 3.
	UnhealthyThreshold int `json:"unhealthyThreshold"`
}

// Schedule is a scheduled scaling action in ScheduleTimezone.
type Schedule struct {
	// Name is unique within the service: lowercase letters, digits and hyphens. Required.
	Name string `json:"name"`
	// Schedule is cron(...), at(...) or rate(...) as Application Auto Scaling accepts. Required.
	Schedule string `json:"schedule"`
	// MinCount is the new minimum task count. Required.
	MinCount int `json:"minCount"`
	// MaxCount is the new maximum task count. Required.
	MaxCount int `json:"maxCount"`
}

// UnmarshalJSON decodes one schedule from scratch (see CapacityProviderShare.UnmarshalJSON).
func (s *Schedule) UnmarshalJSON(b []byte) error {
	type plain Schedule
	return check.DecodeFresh(b, (*plain)(s))
}

// Permission is one IAM statement granted to a service's task role.
type Permission struct {
	// Actions are IAM actions such as s3:GetObject; "*" and "<service>:*" are refused. Required.
	Actions []string `json:"actions"`
	// Resources are ARNs, or "*" for actions that take no resource. Required.
	Resources []string `json:"resources"`
}

// UnmarshalJSON decodes one permission from scratch (see CapacityProviderShare.UnmarshalJSON).
func (p *Permission) UnmarshalJSON(b []byte) error {
	type plain Permission
	return check.DecodeFresh(b, (*plain)(p))
}

// ServiceSettings is one ECS service; an element of key "services".
type ServiceSettings struct {
	// Name identifies the service in resource names. Required.
	Name string `json:"name"`
	// Kind says what reaches the service: web (behind the load balancer: port,
	// pathPattern, priority and healthCheck), backend (a port that only the services
	// calling it reach, through Service Connect) or worker (no port; a
	// containerHealthCheck). Optional. Defaults to web.
	Kind string `json:"kind"`
	// Port is the container port. Required for web and backend; a worker has none.
	Port int `json:"port"`
	// PathPattern is the request path routed to the service; "/*" makes it the default.
	// Required for web; only web has one.
	PathPattern string `json:"pathPattern"`
	// Priority is the listener rule priority; unused for the default service. Web only.
	Priority int `json:"priority"`
	// Cpu is the task CPU in units (1024 = 1 vCPU). Optional. Defaults to 512.
	Cpu int `json:"cpu"`
	// Memory is the task memory in MiB. Optional. Defaults to 1024.
	Memory int `json:"memory"`
	// Image is the container image. Required (a tag or a digest).
	Image Image `json:"image"`
	// User is the non-root user the container runs as. Optional. Defaults to 1000:1000.
	User string `json:"user"`
	// Architecture is the CPU architecture of the tasks, x86_64 or arm64 (Graviton, about
	// 20% cheaper on Fargate); the image must be built for it (docs/images.md). Fargate
	// Spot runs only x86_64, so arm64 needs a cluster.capacityProviderStrategy without
	// FARGATE_SPOT. Optional. Defaults to x86_64.
	Architecture string `json:"architecture"`
	// DesiredCount is the task count at creation. Optional. Defaults to 2.
	DesiredCount int `json:"desiredCount"`
	// MinCount is the autoscaling minimum. Optional. Defaults to 2.
	MinCount int `json:"minCount"`
	// MaxCount is the autoscaling maximum. Optional. Defaults to 10.
	MaxCount int `json:"maxCount"`
	// CPUTarget is the target average CPU utilization in percent. Optional. Defaults to 70.
	CPUTarget float64 `json:"cpuTarget"`
	// MemoryTarget is the target average memory utilization in percent. Optional. Defaults to 80.
	MemoryTarget float64 `json:"memoryTarget"`
	// ScaleInCooldownSeconds. Optional. Defaults to 300.
	ScaleInCooldownSeconds int `json:"scaleInCooldownSeconds"`
	// ScaleOutCooldownSeconds. Optional. Defaults to 60.
	ScaleOutCooldownSeconds int `json:"scaleOutCooldownSeconds"`
	// Schedules are scheduled scaling actions. Optional. Defaults to none.
	Schedules []Schedule `json:"schedules"`
	// MinHealthyPercent is the deployment minimum healthy percent. Optional. Defaults to 100.
	MinHealthyPercent int `json:"minHealthyPercent"`
	// MaxPercent is the deployment maximum percent. Optional. Defaults to 200.
	MaxPercent int `json:"maxPercent"`
	// HealthCheck is the target group health check. Required path. Web only.
	HealthCheck HealthCheck `json:"healthCheck"`
	// ContainerHealthCheck is a command ECS runs in the container to judge a task.
	// Required for a worker; optional for web and backend. Defaults to none.
	ContainerHealthCheck ContainerHealthCheck `json:"containerHealthCheck"`
	// HealthCheckGracePeriodSeconds lets a new task start before the ALB or the
	// container health check judges it. Optional. Defaults to 60.
	HealthCheckGracePeriodSeconds int `json:"healthCheckGracePeriodSeconds"`
	// LogRetentionDays is the retention of the service's log group. Optional. Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// Environment are plain environment variables. NODE_ENV is always "production".
	Environment map[string]string `json:"environment"`
	// Database is the service's access to the database: none, writer (DATABASE_URL and
	// the PG* variables), reader (DATABASE_READER_URL) or both. The stack adds those
	// parameters to the service's secrets and the variables that make its client verify
	// the server; secrets cannot name them. Optional. Defaults to none (api: both).
	Database string `json:"database"`
	// Secrets name more SSM parameters injected as environment variables of the same
	// name, beyond those of Database. A stack file's list replaces the default list
	// (web and api: JWT_SECRET) and adds to what Database provides. After loading, the
	// configuration holds the full list, Database's parameters first.
	Secrets []string `json:"secrets"`
	// OutboundPorts are the TCP ports the tasks may reach on the internet. Optional. Defaults to 443.
	OutboundPorts []int `json:"outboundPorts"`
	// OutboundDestinations are the destinations of each port of outboundPorts: a map from
	// the port, as a string key ("27017"), to a list of IPv4 or IPv6 CIDRs
	// ("203.0.113.0/24"), managed prefix list ids ("pl-0123456789abcdef0"), or the single
	// word "anywhere" (0.0.0.0/0), each becoming one egress rule. A port without an entry:
	// 443 goes anywhere (AWS and third-party HTTPS APIs); any other port is refused
	// (docs/operations.md, "Outbound ports"). Optional. Defaults to none.
	OutboundDestinations map[string][]string `json:"outboundDestinations"`
	// TaskPermissions are the application's own AWS permissions, added to the task role
	// next to what ECS Exec needs. Optional. Defaults to none.
	TaskPermissions []Permission `json:"taskPermissions"`
	// Calls names the services this one sends requests to inside the VPC, through ECS
	// Service Connect: each called service publishes its port under its own name, this one
	// gets <NAME>_INTERNAL_URL=http://<name>:<port> (API_INTERNAL_URL=http://api:3001),
	// and the security groups open that port between the two. Other services of the
	// stack, each once, not the service itself. Optional. Defaults to none; web's default
	// is [api].
	Calls []string `json:"calls"`
	// WritablePaths are absolute container paths that become task volumes mounted
	// read-write over the read-only root filesystem, next to /tmp: at most 10, not /, none
	// inside another or inside /tmp, /var/lib/amazon or /var/log/amazon. The image must
	// create each one owned by the container user or declare it a VOLUME (docs/images.md).
	// Optional. Defaults to none; web's default is [/app/.next/cache] (the Next.js cache).
	WritablePaths []string `json:"writablePaths"`
}

// Architectures lists the allowed values of services[].architecture; CPUArchitecture
// maps them to the task definition's runtime platform
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform).
var Architectures = []string{"x86_64", "arm64"}

// CPUArchitecture is the task definition's cpuArchitecture for the service.
func (s ServiceSettings) CPUArchitecture() string {
	if s.Architecture == "arm64" {
		return "ARM64"
	}
	return "X86_64"
}

// IsDefault reports whether the service is the listener's default action.
func (s ServiceSettings) IsDefault() bool { return s.IsWeb() && s.PathPattern == DefaultPathPattern }

// IsWeb reports whether the service is behind the load balancer.
func (s ServiceSettings) IsWeb() bool { return s.Kind == KindWeb }

// HasPort reports whether the service listens on a port (web and backend).
func (s ServiceSettings) HasPort() bool { return s.Kind == KindWeb || s.Kind == KindBackend }

// DefaultServiceSettings returns the defaults of a service that is neither web nor api.
func DefaultServiceSettings() ServiceSettings {
	return ServiceSettings{
		Kind:         KindWeb,
		Cpu:          512,
		Memory:       1024,
		User:         "1000:1000",
		Architecture: "x86_64",
		DesiredCount: 2, MinCount: 2, MaxCount: 10,
		CPUTarget: 70, MemoryTarget: 80,
		ScaleInCooldownSeconds: 300, ScaleOutCooldownSeconds: 60,
		Schedules:         []Schedule{},
		MinHealthyPercent: 100, MaxPercent: 200,
		HealthCheck: HealthCheck{
			Path: "/health", Matcher: "200", IntervalSeconds: 30, TimeoutSeconds: 5,
			HealthyThreshold: 2, UnhealthyThreshold: 3,
		},
		ContainerHealthCheck: ContainerHealthCheck{
			Command: []string{}, IntervalSeconds: 30, TimeoutSeconds: 5, Retries: 3,
		},
		HealthCheckGracePeriodSeconds: 60,
		LogRetentionDays:              90,
		Environment:                   map[string]string{},
		Database:                      "none",
		Secrets:                       []string{},
		OutboundPorts:                 []int{443},
		OutboundDestinations:          map[string][]string{},
		TaskPermissions:               []Permission{},
		Calls:                         []string{},
		WritablePaths:                 []string{},
	}
}

// DefaultServices returns the web and api services at the shop's production size: 512 CPU
// units and 1024 MiB each, 2 to 10 tasks, web on 3000 with health check /api/health
// and api on 3001 under /api/* with /health.
func DefaultServices() []ServiceSettings {
	web := DefaultServiceSettings()
	web.Name, web.Port, web.PathPattern = "web", 3000, DefaultPathPattern
	web.HealthCheck.Path = "/api/health"
	web.Secrets = []string{"JWT_SECRET"}
	web.Calls = []string{"api"}
	// Next.js writes its image optimization and fetch caches below .next/cache.
	web.WritablePaths = []string{"/app/.next/cache"}

	api := DefaultServiceSettings()
	api.Name, api.Port, api.PathPattern, api.Priority = "api", 3001, "/api/*", 100
	// The writer and reader as libpq URLs and the writer as libpq variables (config adds
	// them to the secrets); the service also gets the TLS variables
	// (ServiceArgs.DatabaseEnvironment).
	api.Database = "both"
	api.Secrets = []string{"JWT_SECRET"}
	return []ServiceSettings{web, api}
}

// DefaultServiceNamed returns the default entry a stack's service is merged over: the
// default service of the same name, or the generic service defaults.
func DefaultServiceNamed(name string) ServiceSettings {
	for _, s := range DefaultServices() {
		if s.Name == name {
			return s
		}
	}
	return DefaultServiceSettings()
}

// DefaultServiceOfKind returns the default entry of a service of the given kind: that
// of DefaultServiceNamed, without the settings the kind does not have (a backend has
// no path, priority or target group health check; a worker has no port either), so
// that a value the stack sets for them is seen and refused. An unknown kind keeps
// every default.
func DefaultServiceOfKind(name, kind string) ServiceSettings {
	s := DefaultServiceNamed(name)
	if kind != KindBackend && kind != KindWorker {
		return s
	}
	s.Kind = kind
	s.PathPattern, s.Priority, s.HealthCheck = "", 0, HealthCheck{}
	if kind == KindWorker {
		s.Port = 0
	}
	return s
}

var (
	serviceNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$`)
	scheduleNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	// Docker image references: https://docs.docker.com/reference/cli/docker/image/tag/
	tagPattern        = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestPattern     = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	repositoryPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
	userPattern       = regexp.MustCompile(`^[0-9]+(:[0-9]+)?$|^[a-z_][a-z0-9_-]{0,31}$`)
	envNamePattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// ALB path patterns: up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?
	// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
	pathPatternPattern = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$`)
	healthPathPattern  = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~@:+&=?%]{0,1000}$`)
	matcherPattern     = regexp.MustCompile(`^[0-9]{3}([,-][0-9]{3})*$`)
	// IAM actions and ARNs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
	// and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html.
	iamActionPattern = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*]+$`)
	arnPattern       = regexp.MustCompile(`^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}|aws)?:.+$`)
)

// fargateMemory reports whether memory (MiB) is allowed with cpu units on Fargate
// (Linux), per the table at
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
// and https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html.
func fargateMemory(cpu, memory int) bool {
	between := func(lo, hi, step int) bool { return memory >= lo && memory <= hi && (memory-lo)%step == 0 }
	switch cpu {
	case 256:
		return memory == 512 || memory == 1024 || memory == 2048
	case 512:
		return between(1024, 4096, 1024)
	case 1024:
		return between(2048, 8192, 1024)
	case 2048:
		return between(4096, 16384, 1024)
	case 4096:
		return between(8192, 30720, 1024)
	case 8192:
		return between(16384, 61440, 4096)
	case 16384:
		return between(32768, 122880, 8192)
	}
	return false
}

// FargateCPUs lists the task CPU units Fargate offers.
var FargateCPUs = []int{256, 512, 1024, 2048, 4096, 8192, 16384}

// Check records every problem of s in p, which is scoped under the service's element of
// the "services" key (e.g. "services[1]"). maxNameLength bounds Name: the caller derives
// it from the longest target group stem it uses, MaxAutoNamedLength - len(stem) - 1 (see
// TargetGroupName). The checks that span the list or other keys are the caller's: names,
// ports, paths and priorities unique across services, exactly one default service, and
// Secrets naming parameters the stack creates, each once.
func (s ServiceSettings) Check(p *check.Problems, maxNameLength int) {
	if len(s.Name) > maxNameLength || !serviceNamePattern.MatchString(s.Name) {
		p.Addf("name", "%q must be 1-%d lowercase letters, digits or hyphens, starting with a letter (target group names are limited to %d characters)", s.Name, maxNameLength, MaxLoadBalancerNameLength)
	}
	s.checkKind(p)
	if !check.OneOf(s.Cpu, FargateCPUs) {
		p.Addf("cpu", "%d is not a Fargate task CPU; use one of %s", s.Cpu, check.Join(FargateCPUs))
	} else if !fargateMemory(s.Cpu, s.Memory) {
		p.Addf("memory", "%d MiB is not offered by Fargate with cpu %d (see the Fargate task size table)", s.Memory, s.Cpu)
	}
	s.Image.Check(p.Under("image"))
	p.Allowed("architecture", s.Architecture, Architectures)
	if !userPattern.MatchString(s.User) || s.User == "root" || s.User == "0" || strings.HasPrefix(s.User, "0:") {
		p.Addf("user", "%q must be a non-root user: uid[:gid] such as 1000:1000, or a user name other than root", s.User)
	}

	s.checkScaling(p)
	if s.MinHealthyPercent < 0 || s.MinHealthyPercent > 100 {
		p.Addf("minHealthyPercent", "%d is outside 0-100", s.MinHealthyPercent)
	}
	if s.MaxPercent < 100 || s.MaxPercent > 400 || s.MaxPercent <= s.MinHealthyPercent {
		p.Addf("maxPercent", "%d must be 100-400 and above minHealthyPercent %d, or deployments cannot start a new task", s.MaxPercent, s.MinHealthyPercent)
	}
	if s.ContainerHealthCheck.Set() || s.Kind == KindWorker {
		s.ContainerHealthCheck.Check(p.Under("containerHealthCheck"))
	}
	if s.HealthCheckGracePeriodSeconds < 0 || s.HealthCheckGracePeriodSeconds > 3600 {
		p.Addf("healthCheckGracePeriodSeconds", "%d is outside 0-3600", s.HealthCheckGracePeriodSeconds)
	}
	p.Retention("logRetentionDays", s.LogRetentionDays)

	checkEnvironment(p, s.Environment, s.Secrets, s.Calls)
	for i, perm := range s.TaskPermissions {
		perm.Check(p.Under(fmt.Sprintf("taskPermissions[%d]", i)))
	}
	s.checkOutbound(p)
	s.checkCalls(p)
	checkWritablePaths(p, s.WritablePaths)
}

// kindSettings says which settings belong to which kind, for the errors that refuse a
// setting on a kind without it.
const kindSettings = "port, pathPattern, priority and healthCheck belong to kind web; port to web and backend; containerHealthCheck is required for a worker"

// checkKind records an unknown kind, the settings of the kind that are missing or out of
// range, and the settings of another kind that are set: a backend has no pathPattern,
// priority or healthCheck, and a worker no port either (DefaultServiceOfKind leaves
// them unset, so any value comes from the stack).
func (s ServiceSettings) checkKind(p *check.Problems) {
	if !check.OneOf(s.Kind, ServiceKinds) {
		p.Allowed("kind", s.Kind, ServiceKinds)
		return
	}
	article := map[string]string{KindWeb: "a web service", KindBackend: "a backend", KindWorker: "a worker"}[s.Kind]
	switch {
	case s.HasPort() && s.Port == 0:
		p.Addf("port", "is not set; %s needs the container port it listens on (1024-65535)", article)
	// Ports below 1024 need root, and the containers run as a non-root user.
	case s.HasPort() && (s.Port < 1024 || s.Port > 65535):
		p.Addf("port", "%d is outside 1024-65535 (the container runs as a non-root user)", s.Port)
	case !s.HasPort() && s.Port != 0:
		p.Addf("port", "%d is set, but %s has no port (%s)", s.Port, article, kindSettings)
	}
	if s.IsWeb() {
		if !pathPatternPattern.MatchString(s.PathPattern) {
			p.Addf("pathPattern", "%q is not an ALB path pattern such as /api/* (start with /, at most 128 characters)", s.PathPattern)
		}
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html
		if !s.IsDefault() && (s.Priority < 1 || s.Priority > 50000) {
			p.Addf("priority", "%d is not a listener rule priority (1-50000); every web service but the default (%s) needs one", s.Priority, DefaultPathPattern)
		}
		s.HealthCheck.Check(p.Under("healthCheck"))
		return
	}
	if s.PathPattern != "" {
		p.Addf("pathPattern", "%q is set, but %s is not behind the load balancer and has no path (%s)", s.PathPattern, article, kindSettings)
	}
	if s.Priority != 0 {
		p.Addf("priority", "%d is set, but %s has no listener rule (%s)", s.Priority, article, kindSettings)
	}
	if s.HealthCheck != (HealthCheck{}) {
		p.Addf("healthCheck", "is set, but %s has no target group to check; use containerHealthCheck (%s)", article, kindSettings)
	}
	if s.Kind == KindWorker && !s.ContainerHealthCheck.Set() {
		p.Addf("containerHealthCheck.command", "is empty; a worker has no port for the load balancer to check, so ECS judges its tasks by a command such as [\"CMD-SHELL\",\"node healthcheck.js\"] (%s)", kindSettings)
	}
}

// Check records the problems of a container health check; p is scoped under its
// "containerHealthCheck" key. Ranges:
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html.
func (h ContainerHealthCheck) Check(p *check.Problems) {
	switch {
	case len(h.Command) == 0:
		// The worker's missing command is reported by checkKind.
	case h.Command[0] != "CMD" && h.Command[0] != "CMD-SHELL":
		p.Addf("command[0]", "%q must be CMD (run the arguments directly) or CMD-SHELL (run one command line in the container's shell)", h.Command[0])
	case h.Command[0] == "CMD-SHELL" && len(h.Command) != 2:
		p.Addf("command", "has %d elements; CMD-SHELL takes one command line, e.g. [\"CMD-SHELL\",\"node healthcheck.js\"]", len(h.Command))
	case len(h.Command) < 2:
		p.Addf("command", "has no command after CMD; e.g. [\"CMD\",\"node\",\"healthcheck.js\"]")
	}
	for i, arg := range h.Command {
		if i > 0 && strings.TrimSpace(arg) == "" {
			p.Addf(fmt.Sprintf("command[%d]", i), "is blank")
		}
	}
	for _, r := range []struct {
		field         string
		value, lo, hi int
	}{
		{"intervalSeconds", h.IntervalSeconds, 5, 300},
		{"timeoutSeconds", h.TimeoutSeconds, 2, 60},
		{"retries", h.Retries, 1, 10},
		{"startPeriodSeconds", h.StartPeriodSeconds, 0, 300},
	} {
		if r.value < r.lo || r.value > r.hi {
			p.Addf(r.field, "%d is outside %d-%d", r.value, r.lo, r.hi)
		}
	}
}

// checkCalls records the calls that name the service itself or a service twice; that
// each names another service of the stack is the caller's check (it spans the list).
func (s ServiceSettings) checkCalls(p *check.Problems) {
	seen := map[string]bool{}
	for j, c := range s.Calls {
		ck := fmt.Sprintf("calls[%d]", j)
		switch {
		case c == s.Name:
			p.Addf(ck, "%q is the service itself; list the other services it sends requests to", c)
		case seen[c]:
			p.Addf(ck, "%q is listed twice", c)
		}
		seen[c] = true
	}
}

// MaxWritablePaths bounds services[].writablePaths.
const MaxWritablePaths = 10

var writablePathPattern = regexp.MustCompile(`^(/[A-Za-z0-9._-]+)+$`)

// checkWritablePaths records every writable path that is not a clean absolute path
// below /, repeats or nests in another one or in a fixed writable path, and every path
// beyond MaxWritablePaths.
func checkWritablePaths(p *check.Problems, paths []string) {
	inside := func(a, b string) bool { return a == b || strings.HasPrefix(a, b+"/") }
	for j, wp := range paths {
		wk := fmt.Sprintf("writablePaths[%d]", j)
		if j >= MaxWritablePaths {
			p.Addf(wk, "%q is beyond the %d writable paths a service may have", wp, MaxWritablePaths)
			continue
		}
		switch {
		case wp == "/":
			p.Addf(wk, "%q is the root filesystem, which stays read-only; name a directory below it", wp)
			continue
		case !strings.HasPrefix(wp, "/"):
			p.Addf(wk, "%q is not an absolute container path such as /app/.next/cache", wp)
			continue
		case slices.Contains(strings.Split(wp, "/"), ".."):
			p.Addf(wk, "%q contains \"..\"; write the absolute path it means", wp)
			continue
		case !writablePathPattern.MatchString(wp) || path.Clean(wp) != wp:
			p.Addf(wk, "%q must be a clean absolute path of letters, digits, '.', '_', '-' and '/' (no trailing '/', no '//' or '.' parts)", wp)
			continue
		}
		for _, fixed := range writablePaths {
			if inside(wp, fixed.path) || inside(fixed.path, wp) {
				p.Addf(wk, "%q overlaps %s, which is always writable", wp, fixed.path)
			}
		}
		for i := 0; i < j; i++ {
			switch {
			case paths[i] == wp:
				p.Addf(wk, "%q is listed twice", wp)
			case inside(wp, paths[i]) || inside(paths[i], wp):
				p.Addf(wk, "%q is nested with writablePaths[%d] %q; list only the outer directory", wp, i, paths[i])
			}
		}
	}
}

// checkScaling checks the task counts, the target tracking settings and the schedules.
func (s ServiceSettings) checkScaling(p *check.Problems) {
	if s.MaxCount < 1 || s.MaxCount > 1000 {
		p.Addf("maxCount", "%d is outside 1-1000", s.MaxCount)
	}
	if s.MinCount < 0 || s.MinCount > s.MaxCount {
		p.Addf("minCount", "%d must be between 0 and maxCount %d", s.MinCount, s.MaxCount)
	}
	if s.DesiredCount < s.MinCount || s.DesiredCount > s.MaxCount {
		p.Addf("desiredCount", "%d is outside minCount..maxCount (%d..%d)", s.DesiredCount, s.MinCount, s.MaxCount)
	}
	if s.CPUTarget < 10 || s.CPUTarget > 95 {
		p.Addf("cpuTarget", "%v is outside 10-95 percent", s.CPUTarget)
	}
	if s.MemoryTarget < 10 || s.MemoryTarget > 95 {
		p.Addf("memoryTarget", "%v is outside 10-95 percent", s.MemoryTarget)
	}
	if s.ScaleInCooldownSeconds < 0 || s.ScaleInCooldownSeconds > 3600 {
		p.Addf("scaleInCooldownSeconds", "%d is outside 0-3600", s.ScaleInCooldownSeconds)
	}
	if s.ScaleOutCooldownSeconds < 0 || s.ScaleOutCooldownSeconds > 3600 {
		p.Addf("scaleOutCooldownSeconds", "%d is outside 0-3600", s.ScaleOutCooldownSeconds)
	}
	seenSchedule := map[string]bool{}
	for i, sc := range s.Schedules {
		sp := p.Under(fmt.Sprintf("schedules[%d]", i))
		if !scheduleNamePattern.MatchString(sc.Name) {
			sp.Addf("name", "%q must be 1-40 lowercase letters, digits or hyphens", sc.Name)
		} else if seenSchedule[sc.Name] {
			sp.Addf("name", "%q is listed twice", sc.Name)
		}
		seenSchedule[sc.Name] = true
		sc.check(sp)
	}
}

// check records the problems of one schedule apart from its name, which must be unique
// within the service; p is scoped under the schedule's element.
func (sc Schedule) check(p *check.Problems) {
	if msg := checkSchedule(sc.Schedule); msg != "" {
		p.Addf("schedule", "%q %s", sc.Schedule, msg)
	}
	if sc.MaxCount < 0 || sc.MaxCount > 1000 {
		p.Addf("maxCount", "%d is outside 0-1000", sc.MaxCount)
	}
	if sc.MinCount < 0 || sc.MinCount > sc.MaxCount {
		p.Addf("minCount", "%d must be between 0 and the schedule's maxCount %d", sc.MinCount, sc.MaxCount)
	}
}

// Check records the problems of one IAM statement; p is scoped under its element of
// taskPermissions.
func (perm Permission) Check(p *check.Problems) {
	if len(perm.Actions) == 0 {
		p.Addf("actions", "is empty; list the IAM actions the application needs")
	}
	for j, a := range perm.Actions {
		ak := fmt.Sprintf("actions[%d]", j)
		switch {
		case !iamActionPattern.MatchString(a):
			p.Addf(ak, "%q is not an IAM action such as s3:GetObject (no bare *)", a)
		case strings.HasSuffix(a, ":*"):
			p.Addf(ak, "%q grants every action of the service; list the actions the application needs", a)
		}
	}
	if len(perm.Resources) == 0 {
		p.Addf("resources", "is empty; list ARNs, or * for actions that take no resource")
	}
	passRole := false
	for _, a := range perm.Actions {
		passRole = passRole || strings.EqualFold(a, "iam:PassRole")
	}
	for j, r := range perm.Resources {
		if r != "*" && !arnPattern.MatchString(r) {
			p.Addf(fmt.Sprintf("resources[%d]", j), "%q is not an ARN such as arn:aws:s3:::bucket/* (or *)", r)
		}
		// Passing any role of the account to a service is a way to every permission the
		// account has (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
		if passRole && strings.Contains(r, "*") && (r == "*" || strings.HasSuffix(r, ":role/*") || strings.HasSuffix(r, ":*")) {
			p.Addf(fmt.Sprintf("resources[%d]", j), "%q with iam:PassRole lets the task pass any role of the account; name the roles it passes (arn:aws:iam::<account>:role/<name>)", r)
		}
	}
}

// Check records the problems of an image reference; p is scoped under its "image" key.
func (img Image) Check(p *check.Problems) {
	switch {
	case img.Tag == "" && img.Digest == "":
		p.Addf("tag", "is empty and so is image.digest; pin the image with a tag or a digest (an implicit latest is not allowed)")
	case img.Tag != "" && img.Digest != "":
		p.Addf("digest", "is set together with image.tag %q; set one of them", img.Tag)
	case img.Tag == "latest":
		p.Addf("tag", "%q is not allowed: it is mutable and the repositories refuse to overwrite tags; use a version or commit tag", img.Tag)
	case img.Tag != "" && !tagPattern.MatchString(img.Tag):
		p.Addf("tag", "%q is not a Docker tag (letters, digits, _ . -, at most 128 characters)", img.Tag)
	case img.Digest != "" && !digestPattern.MatchString(img.Digest):
		p.Addf("digest", "%q is not a digest such as sha256:<64 hex digits>", img.Digest)
	}
	if img.Repository != "" && !repositoryPattern.MatchString(img.Repository) {
		p.Addf("repository", "%q is not an image repository such as public.ecr.aws/nginx/nginx (registry/path, no tag or digest)", img.Repository)
	}
}

// Check records the problems of a target group health check; p is scoped under its
// "healthCheck" key.
func (h HealthCheck) Check(p *check.Problems) {
	// Limits: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
	if !healthPathPattern.MatchString(h.Path) {
		p.Addf("path", "%q is not an HTTP path starting with /", h.Path)
	}
	if !matcherPattern.MatchString(h.Matcher) || !albMatcherCodes(h.Matcher) {
		p.Addf("matcher", "%q is not a list or range of HTTP codes from 200 to 499 such as 200 or 200-299", h.Matcher)
	}
	if h.IntervalSeconds < 5 || h.IntervalSeconds > 300 {
		p.Addf("intervalSeconds", "%d is outside 5-300", h.IntervalSeconds)
	}
	if h.TimeoutSeconds < 2 || h.TimeoutSeconds > 120 || h.TimeoutSeconds >= h.IntervalSeconds {
		p.Addf("timeoutSeconds", "%d must be 2-120 and below intervalSeconds %d", h.TimeoutSeconds, h.IntervalSeconds)
	}
	if h.HealthyThreshold < 2 || h.HealthyThreshold > 10 {
		p.Addf("healthyThreshold", "%d is outside 2-10", h.HealthyThreshold)
	}
	if h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10 {
		p.Addf("unhealthyThreshold", "%d is outside 2-10", h.UnhealthyThreshold)
	}
}

// albMatcherCodes reports whether every code of a matcher that matches matcherPattern is
// one an Application Load Balancer accepts (200-499) and every range ascends.
func albMatcherCodes(m string) bool {
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		l, _ := strconv.Atoi(lo)
		h, err := strconv.Atoi(hi)
		if err != nil || l < 200 || h > 499 || l > h {
			return false
		}
	}
	return true
}

var (
	atPattern   = regexp.MustCompile(`^at\(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\)$`)
	ratePattern = regexp.MustCompile(`^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$`)
	cronPattern = regexp.MustCompile(`^cron\((.*)\)$`)
	cronFields  = []struct {
		name     string
		chars    *regexp.Regexp
		min, max int
	}{
		{"minutes", regexp.MustCompile(`^[0-9,*/-]+$`), 0, 59},
		{"hours", regexp.MustCompile(`^[0-9,*/-]+$`), 0, 23},
		{"day-of-month", regexp.MustCompile(`^([0-9,*/?LW-]+)$`), 1, 31},
		{"month", regexp.MustCompile(`^([0-9,*/-]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$`), 1, 12},
		{"day-of-week", regexp.MustCompile(`^([0-9,*/?L#-]|SUN|MON|TUE|WED|THU|FRI|SAT)+$`), 1, 7},
		{"year", regexp.MustCompile(`^[0-9,*/-]+$`), 1970, 2199},
	}
	cronNumber = regexp.MustCompile(`[0-9]+`)
)

// checkSchedule returns what is wrong with an Application Auto Scaling schedule
// expression, or "". Formats: at(yyyy-mm-ddThh:mm:ss), rate(value unit) and
// cron(minutes hours day-of-month month day-of-week year), where one of the two day
// fields must be "?"
// (https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html,
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html).
func checkSchedule(expr string) string {
	if atPattern.MatchString(expr) {
		// The pattern admits 2027-02-30; a date that does not exist is refused too.
		if _, err := time.Parse("2006-01-02T15:04:05", expr[len("at("):len(expr)-1]); err != nil {
			return "names a date and time that does not exist"
		}
		return ""
	}
	if ratePattern.MatchString(expr) {
		return ""
	}
	m := cronPattern.FindStringSubmatch(expr)
	if m == nil {
		return "is not cron(...), at(yyyy-mm-ddThh:mm:ss) or rate(N minutes|hours|days)"
	}
	fields := strings.Fields(m[1])
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("has %d cron fields; Application Auto Scaling needs 6: minutes hours day-of-month month day-of-week year", len(fields))
	}
	for i, f := range fields {
		spec := cronFields[i]
		if !spec.chars.MatchString(f) {
			return fmt.Sprintf("has an invalid %s field %q", spec.name, f)
		}
		// Step values after "/" are counts, not field values.
		for _, part := range strings.Split(f, ",") {
			base, _, _ := strings.Cut(part, "/")
			base, _, _ = strings.Cut(base, "#")
			for _, n := range cronNumber.FindAllString(base, -1) {
				v, _ := strconv.Atoi(n)
				if v < spec.min || v > spec.max {
					return fmt.Sprintf("has %s %d outside %d-%d", spec.name, v, spec.min, spec.max)
				}
			}
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return "must have ? in exactly one of day-of-month and day-of-week"
	}
	return ""
}

// checkEnvironment records the plain variables of a task that are not variable names or
// that the stack sets itself: NODE_ENV, SITE_URL, a name also listed in secrets, and the
// <NAME>_INTERNAL_URL of a service in calls; p is scoped under the task's element.
func checkEnvironment(p *check.Problems, env map[string]string, secretNames, calls []string) {
	secrets := map[string]bool{}
	for _, name := range secretNames {
		secrets[name] = true
	}
	calledURL := map[string]string{} // variable -> called service
	for _, c := range calls {
		calledURL[InternalURLVariable(c)] = c
	}
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ek := "environment." + name
		switch {
		case !envNamePattern.MatchString(name):
			p.Addf(ek, "%q is not an environment variable name (letters, digits, underscores)", name)
		case name == "NODE_ENV":
			p.Addf(ek, "is always %q and cannot be set", "production")
		case name == SiteURLVariable:
			p.Addf(ek, "is set by the stack to the public site URL and cannot be set")
		case secrets[name]:
			p.Addf(ek, "is also in secrets; a variable comes from one place")
		case calledURL[name] != "":
			p.Addf(ek, "is set by the stack because calls lists %q, and cannot be set", calledURL[name])
		}
	}
}
