package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// MaxServiceNameLength bounds services[].name. Target groups are the tightest AWS name
// (32 characters, of which Pulumi's auto-name suffix takes 8); their logical name is
// "<environment>-<service>", so 32 - 8 - MaxEnvironmentLength - 1 characters remain.
const MaxServiceNameLength = 32 - 8 - MaxEnvironmentLength - 1

// CapacityProviders lists the allowed capacity providers of cluster.capacityProviderStrategy.
var CapacityProviders = []string{"FARGATE", "FARGATE_SPOT"}

// ContainerInsightsModes lists the allowed values of cluster.containerInsights.
var ContainerInsightsModes = []string{"enabled", "enhanced"}

// DefaultPathPattern marks the service that receives every request no other service
// claims: it is the listener's default action rather than a listener rule.
const DefaultPathPattern = "/*"

// ScheduleTimezone is the time zone of every scheduled scaling action.
const ScheduleTimezone = "Asia/Tokyo"

// LoadBalancer configures the Application Load Balancer; key "loadBalancer".
type LoadBalancer struct {
	// RequireHTTPS rejects a stack without a certificate. Optional. Defaults to true.
	RequireHTTPS bool `json:"requireHttps"`
	// CertificateArn is an existing ACM certificate in the stack's region. Optional.
	CertificateArn string `json:"certificateArn"`
	// DomainName is the site's host name. With HostedZoneID and no CertificateArn the
	// program requests a DNS-validated certificate for it. Optional.
	DomainName string `json:"domainName"`
	// HostedZoneID is the Route 53 zone of DomainName; it gets the validation records
	// and an alias A record for the ALB. Optional.
	HostedZoneID string `json:"hostedZoneId"`
	// IdleTimeoutSeconds is the ALB idle timeout. Optional. Defaults to 60.
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds"`
	// DeletionProtection stops the ALB from being deleted. Optional. Defaults to true.
	DeletionProtection bool `json:"deletionProtection"`
	// DeregistrationDelaySeconds is how long a target drains. Optional. Defaults to 30.
	DeregistrationDelaySeconds int `json:"deregistrationDelaySeconds"`
	// AccessLogs sends access logs to an S3 bucket. Optional. Defaults to true.
	AccessLogs bool `json:"accessLogs"`
	// AccessLogExpirationDays is how long access logs are kept. Optional. Defaults to 90.
	AccessLogExpirationDays int `json:"accessLogExpirationDays"`
}

// HTTPS reports whether the load balancer terminates TLS.
func (l LoadBalancer) HTTPS() bool { return l.CertificateArn != "" || l.DomainName != "" }

// DefaultLoadBalancer returns the production-safe load balancer defaults.
func DefaultLoadBalancer() LoadBalancer {
	return LoadBalancer{
		RequireHTTPS:               true,
		IdleTimeoutSeconds:         60,
		DeletionProtection:         true,
		DeregistrationDelaySeconds: 30,
		AccessLogs:                 true,
		AccessLogExpirationDays:    90,
	}
}

// CapacityProviderShare is one entry of a capacity provider strategy.
type CapacityProviderShare struct {
	// CapacityProvider is FARGATE or FARGATE_SPOT. Required.
	CapacityProvider string `json:"capacityProvider"`
	// Base is how many tasks run on this provider before weights apply. Optional. Defaults to 0.
	Base int `json:"base"`
	// Weight is the provider's relative share of tasks beyond the base. Optional. Defaults to 0.
	Weight int `json:"weight"`
}

// UnmarshalJSON decodes one strategy entry from scratch. encoding/json decodes a list
// element into the element already at that position, so without it an entry would keep
// the fields of the default entry it replaces.
func (s *CapacityProviderShare) UnmarshalJSON(b []byte) error {
	type plain CapacityProviderShare
	return check.DecodeFresh(b, (*plain)(s))
}

// Cluster configures the ECS cluster; key "cluster".
type Cluster struct {
	// ContainerInsights is enabled or enhanced. Optional. Defaults to enabled.
	ContainerInsights string `json:"containerInsights"`
	// CapacityProviderStrategy places the services' tasks. Optional. Defaults to on-demand FARGATE only.
	CapacityProviderStrategy []CapacityProviderShare `json:"capacityProviderStrategy"`
	// ExecLogRetentionDays is the retention of the ECS Exec session log group. Optional. Defaults to 90.
	ExecLogRetentionDays int `json:"execLogRetentionDays"`
	// ImagesToKeep is how many images each ECR repository keeps. Optional. Defaults to 30.
	ImagesToKeep int `json:"imagesToKeep"`
}

// UsesSpot reports whether any task may run on FARGATE_SPOT.
func (c Cluster) UsesSpot() bool {
	for _, s := range c.CapacityProviderStrategy {
		if s.CapacityProvider == "FARGATE_SPOT" && (s.Weight > 0 || s.Base > 0) {
			return true
		}
	}
	return false
}

// DefaultCluster returns the production-safe cluster defaults.
func DefaultCluster() Cluster {
	return Cluster{
		ContainerInsights:        "enabled",
		CapacityProviderStrategy: []CapacityProviderShare{{CapacityProvider: "FARGATE", Base: 1, Weight: 1}},
		ExecLogRetentionDays:     90,
		ImagesToKeep:             30,
	}
}

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

// Service is one ECS service behind the load balancer; an element of key "services".
type Service struct {
	// Name identifies the service in resource names. Required.
	Name string `json:"name"`
	// Port is the container port. Required.
	Port int `json:"port"`
	// PathPattern is the request path routed to the service; "/*" makes it the default. Required.
	PathPattern string `json:"pathPattern"`
	// Priority is the listener rule priority; unused for the default service.
	Priority int `json:"priority"`
	// Cpu is the task CPU in units (1024 = 1 vCPU). Optional. Defaults to 512.
	Cpu int `json:"cpu"`
	// Memory is the task memory in MiB. Optional. Defaults to 1024.
	Memory int `json:"memory"`
	// Image is the container image. Required (a tag or a digest).
	Image Image `json:"image"`
	// User is the non-root user the container runs as. Optional. Defaults to 1000:1000.
	User string `json:"user"`
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
	// HealthCheck is the target group health check. Required path.
	HealthCheck HealthCheck `json:"healthCheck"`
	// HealthCheckGracePeriodSeconds lets a new task start before the ALB judges it. Optional. Defaults to 60.
	HealthCheckGracePeriodSeconds int `json:"healthCheckGracePeriodSeconds"`
	// LogRetentionDays is the retention of the service's log group. Optional. Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// Environment are plain environment variables. NODE_ENV is always "production".
	Environment map[string]string `json:"environment"`
	// Secrets name the SSM parameters injected as environment variables of the same name.
	Secrets []string `json:"secrets"`
	// OutboundPorts are the TCP ports the tasks may reach on the internet. Optional. Defaults to 443.
	OutboundPorts []int `json:"outboundPorts"`
	// TaskPermissions are the application's own AWS permissions, added to the task role
	// next to what ECS Exec needs. Optional. Defaults to none.
	TaskPermissions []Permission `json:"taskPermissions"`
}

// IsDefault reports whether the service is the listener's default action.
func (s Service) IsDefault() bool { return s.PathPattern == DefaultPathPattern }

// DefaultService returns the defaults of a service that is neither web nor api.
func DefaultService() Service {
	return Service{
		Cpu:          512,
		Memory:       1024,
		User:         "1000:1000",
		DesiredCount: 2, MinCount: 2, MaxCount: 10,
		CPUTarget: 70, MemoryTarget: 80,
		ScaleInCooldownSeconds: 300, ScaleOutCooldownSeconds: 60,
		Schedules:         []Schedule{},
		MinHealthyPercent: 100, MaxPercent: 200,
		HealthCheck: HealthCheck{
			Path: "/health", Matcher: "200", IntervalSeconds: 30, TimeoutSeconds: 5,
			HealthyThreshold: 2, UnhealthyThreshold: 3,
		},
		HealthCheckGracePeriodSeconds: 60,
		LogRetentionDays:              90,
		Environment:                   map[string]string{},
		Secrets:                       []string{},
		OutboundPorts:                 []int{443},
		TaskPermissions:               []Permission{},
	}
}

// DefaultServices returns the web and api services of the production design: 512 CPU
// units and 1024 MiB each, 2 to 10 tasks, web on 3000 with health check /api/health
// and api on 3001 under /api/* with /health.
func DefaultServices() []Service {
	web := DefaultService()
	web.Name, web.Port, web.PathPattern = "web", 3000, DefaultPathPattern
	web.HealthCheck.Path = "/api/health"
	web.Secrets = []string{"JWT_SECRET"}

	api := DefaultService()
	api.Name, api.Port, api.PathPattern, api.Priority = "api", 3001, "/api/*", 100
	api.Secrets = []string{"DATABASE_URL", "JWT_SECRET"}
	// MongoDB Atlas listens on 27017.
	api.OutboundPorts = []int{443, 27017}
	return []Service{web, api}
}

// defaultServiceNamed returns the default entry a stack's service is merged over: the
// default service of the same name, or the generic service defaults.
func defaultServiceNamed(name string) Service {
	for _, s := range DefaultServices() {
		if s.Name == name {
			return s
		}
	}
	return DefaultService()
}

var (
	serviceNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$`)
	scheduleNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	domainPattern       = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern       = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	acmArnPattern       = regexp.MustCompile(`^arn:aws:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)
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

func loadLoadBalancer(r reader, region string) LoadBalancer {
	l := DefaultLoadBalancer()
	r.object("loadBalancer", &l)
	p := r.p
	const k = "loadBalancer."
	if l.CertificateArn != "" {
		m := acmArnPattern.FindStringSubmatch(l.CertificateArn)
		switch {
		case m == nil:
			p.Addf(k+"certificateArn", "%q is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", l.CertificateArn)
		case region != "" && m[1] != region:
			p.Addf(k+"certificateArn", "%q is in %s; an ALB needs a certificate in its own region %s", l.CertificateArn, m[1], region)
		}
	}
	if l.DomainName != "" && (len(l.DomainName) > 253 || !domainPattern.MatchString(l.DomainName)) {
		p.Addf(k+"domainName", "%q is not a lowercase DNS host name such as shop.example.com", l.DomainName)
	}
	if l.HostedZoneID != "" && !zoneIDPattern.MatchString(l.HostedZoneID) {
		p.Addf(k+"hostedZoneId", "%q is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", l.HostedZoneID)
	}
	if l.HostedZoneID != "" && l.DomainName == "" {
		p.Addf(k+"hostedZoneId", "is set without loadBalancer.domainName; set the domain that the zone serves")
	}
	if l.DomainName != "" && l.CertificateArn == "" && l.HostedZoneID == "" {
		p.Addf(k+"hostedZoneId", "must be set to validate a certificate for %q by DNS (or set loadBalancer.certificateArn)", l.DomainName)
	}
	if l.RequireHTTPS && !l.HTTPS() {
		p.Addf(k+"certificateArn", "no certificate: loadBalancer.requireHttps is true, so set certificateArn, or domainName with hostedZoneId (only a stack that sets requireHttps: false may serve plain HTTP)")
	}
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
	if l.IdleTimeoutSeconds < 1 || l.IdleTimeoutSeconds > 4000 {
		p.Addf(k+"idleTimeoutSeconds", "%d is outside 1-4000 seconds", l.IdleTimeoutSeconds)
	}
	if l.DeregistrationDelaySeconds < 0 || l.DeregistrationDelaySeconds > 3600 {
		p.Addf(k+"deregistrationDelaySeconds", "%d is outside 0-3600 seconds", l.DeregistrationDelaySeconds)
	}
	if l.AccessLogExpirationDays < 1 || l.AccessLogExpirationDays > 3650 {
		p.Addf(k+"accessLogExpirationDays", "%d is outside 1-3650 days", l.AccessLogExpirationDays)
	}
	return l
}

func loadCluster(r reader) Cluster {
	c := DefaultCluster()
	r.object("cluster", &c)
	p := r.p
	p.Allowed("cluster.containerInsights", c.ContainerInsights, ContainerInsightsModes)
	p.Retention("cluster.execLogRetentionDays", c.ExecLogRetentionDays)
	if c.ImagesToKeep < 1 || c.ImagesToKeep > 1000 {
		p.Addf("cluster.imagesToKeep", "%d is outside 1-1000", c.ImagesToKeep)
	}
	// Strategy rules: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
	// (base 0-100000, weight 0-1000, a base on one provider only).
	if len(c.CapacityProviderStrategy) == 0 {
		p.Addf("cluster.capacityProviderStrategy", "is empty; list FARGATE and/or FARGATE_SPOT")
	}
	seen := map[string]bool{}
	bases, weight := 0, 0
	for i, s := range c.CapacityProviderStrategy {
		key := fmt.Sprintf("cluster.capacityProviderStrategy[%d]", i)
		switch {
		case !check.OneOf(s.CapacityProvider, CapacityProviders):
			p.Addf(key+".capacityProvider", "%q is not a Fargate capacity provider; use %s", s.CapacityProvider, strings.Join(CapacityProviders, " or "))
		case seen[s.CapacityProvider]:
			p.Addf(key+".capacityProvider", "%q is listed twice", s.CapacityProvider)
		}
		seen[s.CapacityProvider] = true
		if s.Base < 0 || s.Base > 100000 {
			p.Addf(key+".base", "%d is outside 0-100000", s.Base)
		}
		if s.Weight < 0 || s.Weight > 1000 {
			p.Addf(key+".weight", "%d is outside 0-1000", s.Weight)
		}
		if s.Base > 0 {
			bases++
		}
		weight += s.Weight
	}
	if bases > 1 {
		p.Addf("cluster.capacityProviderStrategy", "gives a base to %d providers; only one may have a base", bases)
	}
	if len(c.CapacityProviderStrategy) > 0 && weight == 0 {
		p.Addf("cluster.capacityProviderStrategy", "has no provider with a weight above 0")
	}
	return c
}

// loadServices decodes key "services" element by element, each over the default entry of
// the same name (web, api) or the generic service defaults, and validates the list.
func loadServices(r reader, parameters []string) []Service {
	p := r.p
	raw, ok := r.raw("services")
	if !ok {
		raw = mustJSON(DefaultServices())
	}
	var elems []json.RawMessage
	if err := check.DecodeStrict(raw, &elems); err != nil {
		p.Addf("services", "cannot be read: %v (want a list of services)", err)
		return nil
	}
	if len(elems) == 0 {
		p.Addf("services", "is empty; list at least one service")
		return nil
	}
	var out []Service
	for i, e := range elems {
		key := fmt.Sprintf("services[%d]", i)
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(e, &head)
		s := defaultServiceNamed(head.Name)
		if err := check.DecodeStrict(string(e), &s); err != nil {
			p.Addf(key, "cannot be read: %v", err)
			continue
		}
		validateService(p, key, s, parameters)
		out = append(out, s)
	}

	names, ports, paths, priorities := map[string]string{}, map[int]string{}, map[string]string{}, map[int]string{}
	defaults := 0
	for i, s := range out {
		key := fmt.Sprintf("services[%d]", i)
		if prev, dup := names[s.Name]; dup && s.Name != "" {
			p.Addf(key+".name", "%q is also the name of %s", s.Name, prev)
		}
		names[s.Name] = key
		if prev, dup := ports[s.Port]; dup {
			p.Addf(key+".port", "%d is also the port of %s", s.Port, prev)
		}
		ports[s.Port] = key
		if prev, dup := paths[s.PathPattern]; dup {
			p.Addf(key+".pathPattern", "%q is also the path of %s", s.PathPattern, prev)
		}
		paths[s.PathPattern] = key
		if s.IsDefault() {
			defaults++
			continue
		}
		if prev, dup := priorities[s.Priority]; dup {
			p.Addf(key+".priority", "%d is also the priority of %s", s.Priority, prev)
		}
		priorities[s.Priority] = key
	}
	if defaults != 1 {
		p.Addf("services", "%d services have pathPattern %q; exactly one must, to receive the requests no rule matches", defaults, DefaultPathPattern)
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func validateService(p *check.Problems, key string, s Service, parameters []string) {
	k := key + "."
	if len(s.Name) > MaxServiceNameLength || !serviceNamePattern.MatchString(s.Name) {
		p.Addf(k+"name", "%q must be 1-%d lowercase letters, digits or hyphens, starting with a letter (target group names are limited to 32 characters)", s.Name, MaxServiceNameLength)
	}
	// Ports below 1024 need root, and the containers run as a non-root user.
	if s.Port < 1024 || s.Port > 65535 {
		p.Addf(k+"port", "%d is outside 1024-65535 (the container runs as a non-root user)", s.Port)
	}
	if !pathPatternPattern.MatchString(s.PathPattern) {
		p.Addf(k+"pathPattern", "%q is not an ALB path pattern such as /api/* (start with /, at most 128 characters)", s.PathPattern)
	}
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html
	if !s.IsDefault() && (s.Priority < 1 || s.Priority > 50000) {
		p.Addf(k+"priority", "%d is not a listener rule priority (1-50000); every service but the default (%s) needs one", s.Priority, DefaultPathPattern)
	}
	if !check.OneOf(s.Cpu, FargateCPUs) {
		p.Addf(k+"cpu", "%d is not a Fargate task CPU; use one of %s", s.Cpu, check.Join(FargateCPUs))
	} else if !fargateMemory(s.Cpu, s.Memory) {
		p.Addf(k+"memory", "%d MiB is not offered by Fargate with cpu %d (see the Fargate task size table)", s.Memory, s.Cpu)
	}
	validateImage(p, k+"image", s.Image)
	if !userPattern.MatchString(s.User) || s.User == "root" || s.User == "0" || strings.HasPrefix(s.User, "0:") {
		p.Addf(k+"user", "%q must be a non-root user: uid[:gid] such as 1000:1000, or a user name other than root", s.User)
	}

	if s.MaxCount < 1 || s.MaxCount > 1000 {
		p.Addf(k+"maxCount", "%d is outside 1-1000", s.MaxCount)
	}
	if s.MinCount < 0 || s.MinCount > s.MaxCount {
		p.Addf(k+"minCount", "%d must be between 0 and maxCount %d", s.MinCount, s.MaxCount)
	}
	if s.DesiredCount < s.MinCount || s.DesiredCount > s.MaxCount {
		p.Addf(k+"desiredCount", "%d is outside minCount..maxCount (%d..%d)", s.DesiredCount, s.MinCount, s.MaxCount)
	}
	if s.CPUTarget < 10 || s.CPUTarget > 95 {
		p.Addf(k+"cpuTarget", "%v is outside 10-95 percent", s.CPUTarget)
	}
	if s.MemoryTarget < 10 || s.MemoryTarget > 95 {
		p.Addf(k+"memoryTarget", "%v is outside 10-95 percent", s.MemoryTarget)
	}
	if s.ScaleInCooldownSeconds < 0 || s.ScaleInCooldownSeconds > 3600 {
		p.Addf(k+"scaleInCooldownSeconds", "%d is outside 0-3600", s.ScaleInCooldownSeconds)
	}
	if s.ScaleOutCooldownSeconds < 0 || s.ScaleOutCooldownSeconds > 3600 {
		p.Addf(k+"scaleOutCooldownSeconds", "%d is outside 0-3600", s.ScaleOutCooldownSeconds)
	}
	seenSchedule := map[string]bool{}
	for i, sc := range s.Schedules {
		sk := fmt.Sprintf("%sschedules[%d]", k, i)
		if !scheduleNamePattern.MatchString(sc.Name) {
			p.Addf(sk+".name", "%q must be 1-40 lowercase letters, digits or hyphens", sc.Name)
		} else if seenSchedule[sc.Name] {
			p.Addf(sk+".name", "%q is listed twice", sc.Name)
		}
		seenSchedule[sc.Name] = true
		if msg := checkSchedule(sc.Schedule); msg != "" {
			p.Addf(sk+".schedule", "%q %s", sc.Schedule, msg)
		}
		if sc.MaxCount < 0 || sc.MaxCount > 1000 {
			p.Addf(sk+".maxCount", "%d is outside 0-1000", sc.MaxCount)
		}
		if sc.MinCount < 0 || sc.MinCount > sc.MaxCount {
			p.Addf(sk+".minCount", "%d must be between 0 and the schedule's maxCount %d", sc.MinCount, sc.MaxCount)
		}
	}
	if s.MinHealthyPercent < 0 || s.MinHealthyPercent > 100 {
		p.Addf(k+"minHealthyPercent", "%d is outside 0-100", s.MinHealthyPercent)
	}
	if s.MaxPercent < 100 || s.MaxPercent > 400 || s.MaxPercent <= s.MinHealthyPercent {
		p.Addf(k+"maxPercent", "%d must be 100-400 and above minHealthyPercent %d, or deployments cannot start a new task", s.MaxPercent, s.MinHealthyPercent)
	}
	validateHealthCheck(p, k+"healthCheck", s.HealthCheck)
	if s.HealthCheckGracePeriodSeconds < 0 || s.HealthCheckGracePeriodSeconds > 3600 {
		p.Addf(k+"healthCheckGracePeriodSeconds", "%d is outside 0-3600", s.HealthCheckGracePeriodSeconds)
	}
	p.Retention(k+"logRetentionDays", s.LogRetentionDays)

	secrets := map[string]bool{}
	for i, name := range s.Secrets {
		sk := fmt.Sprintf("%ssecrets[%d]", k, i)
		switch {
		case !check.OneOf(name, parameters):
			p.Addf(sk, "%q is not an SSM parameter of this stack; use one of %s (optional secrets exist only when their config secret is set)", name, strings.Join(parameters, ", "))
		case secrets[name]:
			p.Addf(sk, "%q is listed twice", name)
		}
		secrets[name] = true
	}
	envNames := make([]string, 0, len(s.Environment))
	for name := range s.Environment {
		envNames = append(envNames, name)
	}
	sort.Strings(envNames)
	for _, name := range envNames {
		ek := k + "environment." + name
		switch {
		case !envNamePattern.MatchString(name):
			p.Addf(ek, "%q is not an environment variable name (letters, digits, underscores)", name)
		case name == "NODE_ENV":
			p.Addf(ek, "is always %q and cannot be set", "production")
		case secrets[name]:
			p.Addf(ek, "is also in secrets; a variable comes from one place")
		}
	}
	validatePermissions(p, k+"taskPermissions", s.TaskPermissions)
	seenPort := map[int]bool{}
	for i, port := range s.OutboundPorts {
		pk := fmt.Sprintf("%soutboundPorts[%d]", k, i)
		switch {
		case port < 1 || port > 65535:
			p.Addf(pk, "%d is not a TCP port", port)
		case seenPort[port]:
			p.Addf(pk, "%d is listed twice", port)
		}
		seenPort[port] = true
	}
}

func validatePermissions(p *check.Problems, key string, perms []Permission) {
	for i, perm := range perms {
		pk := fmt.Sprintf("%s[%d]", key, i)
		if len(perm.Actions) == 0 {
			p.Addf(pk+".actions", "is empty; list the IAM actions the application needs")
		}
		for j, a := range perm.Actions {
			ak := fmt.Sprintf("%s.actions[%d]", pk, j)
			switch {
			case !iamActionPattern.MatchString(a):
				p.Addf(ak, "%q is not an IAM action such as s3:GetObject (no bare *)", a)
			case strings.HasSuffix(a, ":*"):
				p.Addf(ak, "%q grants every action of the service; list the actions the application needs", a)
			}
		}
		if len(perm.Resources) == 0 {
			p.Addf(pk+".resources", "is empty; list ARNs, or * for actions that take no resource")
		}
		for j, r := range perm.Resources {
			if r != "*" && !arnPattern.MatchString(r) {
				p.Addf(fmt.Sprintf("%s.resources[%d]", pk, j), "%q is not an ARN such as arn:aws:s3:::bucket/* (or *)", r)
			}
		}
	}
}

func validateImage(p *check.Problems, key string, img Image) {
	switch {
	case img.Tag == "" && img.Digest == "":
		p.Addf(key+".tag", "is empty and so is image.digest; pin the image with a tag or a digest (an implicit latest is not allowed)")
	case img.Tag != "" && img.Digest != "":
		p.Addf(key+".digest", "is set together with image.tag %q; set one of them", img.Tag)
	case img.Tag == "latest":
		p.Addf(key+".tag", "%q is not allowed: it is mutable and the repositories refuse to overwrite tags; use a version or commit tag", img.Tag)
	case img.Tag != "" && !tagPattern.MatchString(img.Tag):
		p.Addf(key+".tag", "%q is not a Docker tag (letters, digits, _ . -, at most 128 characters)", img.Tag)
	case img.Digest != "" && !digestPattern.MatchString(img.Digest):
		p.Addf(key+".digest", "%q is not a digest such as sha256:<64 hex digits>", img.Digest)
	}
	if img.Repository != "" && !repositoryPattern.MatchString(img.Repository) {
		p.Addf(key+".repository", "%q is not an image repository such as public.ecr.aws/nginx/nginx (registry/path, no tag or digest)", img.Repository)
	}
}

func validateHealthCheck(p *check.Problems, key string, h HealthCheck) {
	// Limits: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
	if !healthPathPattern.MatchString(h.Path) {
		p.Addf(key+".path", "%q is not an HTTP path starting with /", h.Path)
	}
	if !matcherPattern.MatchString(h.Matcher) || !albMatcherCodes(h.Matcher) {
		p.Addf(key+".matcher", "%q is not a list or range of HTTP codes from 200 to 499 such as 200 or 200-299", h.Matcher)
	}
	if h.IntervalSeconds < 5 || h.IntervalSeconds > 300 {
		p.Addf(key+".intervalSeconds", "%d is outside 5-300", h.IntervalSeconds)
	}
	if h.TimeoutSeconds < 2 || h.TimeoutSeconds > 120 || h.TimeoutSeconds >= h.IntervalSeconds {
		p.Addf(key+".timeoutSeconds", "%d must be 2-120 and below intervalSeconds %d", h.TimeoutSeconds, h.IntervalSeconds)
	}
	if h.HealthyThreshold < 2 || h.HealthyThreshold > 10 {
		p.Addf(key+".healthyThreshold", "%d is outside 2-10", h.HealthyThreshold)
	}
	if h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10 {
		p.Addf(key+".unhealthyThreshold", "%d is outside 2-10", h.UnhealthyThreshold)
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
	if atPattern.MatchString(expr) || ratePattern.MatchString(expr) {
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
