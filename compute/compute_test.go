package compute_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// stackRun is one committed stack's configuration and its run.
type stackRun struct {
	name string
	cfg  *config.Config
	r    programtest.Result
}

func runStacks(t *testing.T) []stackRun {
	t.Helper()
	var out []stackRun
	for _, stack := range programtest.Stacks {
		out = append(out, stackRun{
			name: stack,
			cfg:  programtest.Config(t, stack, mockengine.Options{}),
			r:    programtest.MustRun(t, stack, mockengine.Options{}),
		})
	}
	return out
}

func tgFor(t *testing.T, s stackRun, svc string) *mockengine.Resource {
	t.Helper()
	return s.r.One(t, programtest.TypeTargetGroup, compute.TargetGroupName(s.cfg.Environment, svc))
}

// trafficListener is the listener that forwards: HTTP on the port the CloudFront VPC
// origin connects to.
func trafficListener(t *testing.T, s stackRun) *mockengine.Resource {
	t.Helper()
	return s.r.One(t, programtest.TypeListener, s.cfg.Prefix()+"-http")
}

func TestListenerForwardsAndRoutes(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			lb := s.r.One(t, programtest.TypeLoadBalancer, s.cfg.Prefix()+"-lb")
			listeners := s.r.ByType(programtest.TypeListener)
			http := s.r.One(t, programtest.TypeListener, s.cfg.Prefix()+"-http")
			if http.In("port").Num() != 80 || http.In("protocol").Str() != "HTTP" || http.In("loadBalancerArn").Str() != lb.ID {
				t.Errorf("HTTP listener %v", http.Inputs)
			}
			// One listener: CloudFront gave the viewer HTTPS, so port 80 forwards, never
			// redirects, and there is no HTTPS listener.
			if len(listeners) != 1 {
				t.Fatalf("%d listeners; want only HTTP on %d", len(listeners), edge.CdnOriginHTTPPort)
			}
			if http.In("port").Num() != edge.CdnOriginHTTPPort || http.In("certificateArn").Str() != "" || http.In("sslPolicy").Str() != "" {
				t.Errorf("origin listener %v; want plain HTTP on %d", http.Inputs, edge.CdnOriginHTTPPort)
			}
			traffic := trafficListener(t, s)
			var def compute.ServiceSettings
			for _, svc := range s.cfg.Services {
				if svc.IsDefault() {
					def = svc
				}
			}
			if got := traffic.In("defaultActions[0].targetGroupArn").Str(); got != tgFor(t, s, def.Name).Out("arn").Str() || traffic.In("defaultActions[0].type").Str() != "forward" {
				t.Errorf("default action forwards to %q; want the %s target group", got, def.Name)
			}
			rules := s.r.ByType(programtest.TypeListenerRule)
			if len(rules) != len(s.cfg.Services)-1 {
				t.Errorf("%d listener rules for %d non-default services", len(rules), len(s.cfg.Services)-1)
			}
			for _, svc := range s.cfg.Services {
				if svc.IsDefault() {
					continue
				}
				rule := s.r.One(t, programtest.TypeListenerRule, s.cfg.Prefix()+"-"+svc.Name)
				if rule.In("listenerArn").Str() != traffic.Out("arn").Str() {
					t.Errorf("%s rule is on another listener", svc.Name)
				}
				if got := rule.In("conditions[0].pathPattern.values").Strs(); !reflect.DeepEqual(got, []string{svc.PathPattern}) {
					t.Errorf("%s rule matches %v; want %s", svc.Name, got, svc.PathPattern)
				}
				if int(rule.In("priority").Num()) != svc.Priority {
					t.Errorf("%s rule priority %v; want %d", svc.Name, rule.In("priority").Num(), svc.Priority)
				}
				if rule.In("actions[0].targetGroupArn").Str() != tgFor(t, s, svc.Name).Out("arn").Str() {
					t.Errorf("%s rule forwards elsewhere", svc.Name)
				}
			}
			// /api/* routes to the api service.
			if r := s.r.Named(programtest.TypeListenerRule, s.cfg.Prefix()+"-api"); r == nil || r.In("conditions[0].pathPattern.values[0]").Str() != "/api/*" {
				t.Errorf("no /api/* rule for the api service")
			}
		})
	}
}

func TestLoadBalancerAttributes(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			lb := s.r.One(t, programtest.TypeLoadBalancer, s.cfg.Prefix()+"-lb")
			c := s.cfg.LoadBalancer
			if !lb.In("internal").Bool() || lb.In("loadBalancerType").Str() != "application" || lb.In("ipAddressType").Str() != "ipv4" {
				t.Errorf("want an internal IPv4 application load balancer (no public address)")
			}
			if !lb.In("dropInvalidHeaderFields").Bool() || !lb.In("enableHttp2").Bool() {
				t.Errorf("invalid headers must be dropped and HTTP/2 on")
			}
			if int(lb.In("idleTimeout").Num()) != c.IdleTimeoutSeconds || lb.In("enableDeletionProtection").Bool() != c.DeletionProtection {
				t.Errorf("idle timeout %v, deletion protection %v; want the stack's %d, %v", lb.In("idleTimeout").Num(), lb.In("enableDeletionProtection").Bool(), c.IdleTimeoutSeconds, c.DeletionProtection)
			}
			var private []string
			for _, az := range s.cfg.Network.AvailabilityZones {
				private = append(private, s.r.One(t, "aws:ec2/subnet:Subnet", s.cfg.Prefix()+"-private-"+az).ID)
			}
			if got := lb.In("subnets").Strs(); !reflect.DeepEqual(got, private) {
				t.Errorf("ALB subnets %v; want the private subnets %v", got, private)
			}
			if s.name == "prod" && !c.DeletionProtection {
				t.Errorf("prod ALB without deletion protection")
			}
		})
	}
}

func TestAccessLogBucket(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			lb := s.r.One(t, programtest.TypeLoadBalancer, s.cfg.Prefix()+"-lb")
			buckets := s.r.ByType(programtest.TypeBucket)
			var logs *mockengine.Resource
			for _, b := range buckets {
				if b.Name == s.cfg.Prefix()+"-alb-logs" {
					logs = b
				}
			}
			if !s.cfg.LoadBalancer.AccessLogs {
				if logs != nil || !lb.In("accessLogs").Null() {
					t.Errorf("access logs are off but a bucket or ALB setting exists")
				}
				return
			}
			if logs == nil {
				t.Fatal("access logs are on but there is no bucket")
			}
			if lb.In("accessLogs.bucket").Str() != logs.Out("bucket").Str() || !lb.In("accessLogs.enabled").Bool() {
				t.Errorf("ALB access logs %v; want bucket %s", lb.In("accessLogs").Plain(), logs.Out("bucket").Str())
			}
			pab := s.r.One(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", logs.Name)
			for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if !pab.In(f).Bool() {
					t.Errorf("public access block %s is off", f)
				}
			}
			sse := s.r.One(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", logs.Name)
			if sse.In("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm").Str() != "AES256" {
				t.Errorf("bucket encryption %v; ALB logs need SSE-S3", sse.In("rules").Plain())
			}
			lc := s.r.One(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", logs.Name)
			if int(lc.In("rules[0].expiration.days").Num()) != s.cfg.LoadBalancer.AccessLogExpirationDays || lc.In("rules[0].status").Str() != "Enabled" {
				t.Errorf("lifecycle %v; want expiry after %d days", lc.In("rules").Plain(), s.cfg.LoadBalancer.AccessLogExpirationDays)
			}
			pol := s.r.One(t, "aws:s3/bucketPolicy:BucketPolicy", logs.Name)
			var doc iamdoc.Document
			if err := pol.In("policy").JSON(&doc); err != nil {
				t.Fatal(err)
			}
			arn := logs.Out("arn").Str()
			var delivery, tlsOnly bool
			for _, st := range doc.Statement {
				if st.Effect == "Allow" && st.Principal["AWS"] == "arn:aws:iam::582318560864:root" &&
					reflect.DeepEqual(st.Action, []string{"s3:PutObject"}) &&
					reflect.DeepEqual(st.Resource, []string{arn + "/alb/AWSLogs/" + mockengine.AccountID + "/*"}) {
					delivery = true
				}
				if st.Effect == "Deny" && st.Condition["Bool"]["aws:SecureTransport"] == "false" && reflect.DeepEqual(st.Resource, []string{arn, arn + "/*"}) {
					tlsOnly = true
				}
			}
			if !delivery || !tlsOnly {
				t.Errorf("bucket policy lacks ELB delivery for ap-northeast-1 (%v) or the TLS-only deny (%v): %+v", delivery, tlsOnly, doc)
			}
			if lb.In("accessLogs.prefix").Str() != "alb" {
				t.Errorf("access log prefix %q; the policy admits alb/ only", lb.In("accessLogs.prefix").Str())
			}
			if !contains(lb.DependsOn, pol.URN) {
				t.Errorf("ALB does not wait for the bucket policy")
			}
		})
	}
}

// TestLoadBalancerHasNoCertificateOrName: TLS and the site's name belong to the
// distribution. Nothing in the load balancer component holds a certificate or a DNS
// record, and every certificate of the stack is requested in us-east-1 (for CloudFront).
func TestLoadBalancerHasNoCertificateOrName(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			lb := s.r.One(t, programtest.TypeLoadBalancer, s.cfg.Prefix()+"-lb")
			component := s.r.One(t, "ecsite:compute:LoadBalancer", s.cfg.Prefix())
			for _, typ := range []string{programtest.TypeCertificate, programtest.TypeCertificateValidation, programtest.TypeRecord} {
				for _, res := range s.r.ByType(typ) {
					if res.Parent == component.URN {
						t.Errorf("%s %s belongs to the load balancer", typ, res.Name)
					}
					if typ == programtest.TypeRecord && res.In("aliases[0].name").Str() == lb.Out("dnsName").Str() {
						t.Errorf("record %s points at the internal load balancer", res.Name)
					}
				}
			}
			usEast1 := s.r.One(t, "pulumi:providers:aws", "aws-us-east-1")
			for _, cert := range s.r.ByType(programtest.TypeCertificate) {
				if cert.Provider != usEast1.URN+"::"+usEast1.ID {
					t.Errorf("certificate %s is not requested in us-east-1", cert.Name)
				}
			}
		})
	}
}

func TestTargetGroups(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			vpc := s.r.One(t, "aws:ec2/vpc:Vpc", s.cfg.Prefix()+"-vpc")
			if n := len(s.r.ByType(programtest.TypeTargetGroup)); n != len(s.cfg.Services) {
				t.Errorf("%d target groups for %d services", n, len(s.cfg.Services))
			}
			for _, svc := range s.cfg.Services {
				tg := tgFor(t, s, svc.Name)
				if tg.In("targetType").Str() != "ip" || tg.In("protocol").Str() != "HTTP" || int(tg.In("port").Num()) != svc.Port || tg.In("vpcId").Str() != vpc.ID {
					t.Errorf("%s target group %v", svc.Name, tg.Inputs)
				}
				hc := svc.HealthCheck
				want := map[string]any{
					"enabled": true, "protocol": "HTTP", "port": "traffic-port", "path": hc.Path, "matcher": hc.Matcher,
					"interval": float64(hc.IntervalSeconds), "timeout": float64(hc.TimeoutSeconds),
					"healthyThreshold": float64(hc.HealthyThreshold), "unhealthyThreshold": float64(hc.UnhealthyThreshold),
				}
				if got := tg.In("healthCheck").Plain(); !reflect.DeepEqual(got, want) {
					t.Errorf("%s health check %v; want %v", svc.Name, got, want)
				}
				if int(tg.In("deregistrationDelay").Num()) != s.cfg.LoadBalancer.DeregistrationDelaySeconds || s.cfg.LoadBalancer.DeregistrationDelaySeconds > 60 {
					t.Errorf("%s deregistration delay %v; want the stack's short %d", svc.Name, tg.In("deregistrationDelay").Num(), s.cfg.LoadBalancer.DeregistrationDelaySeconds)
				}
				// Create-before-delete: an auto-name and no deleteBeforeReplace.
				if !tg.In("name").Null() || !tg.In("namePrefix").Null() || tg.DeleteBeforeReplace {
					t.Errorf("%s target group must be auto-named and replaced create-before-delete", svc.Name)
				}
			}
			// The health checks of docs/images.md: web /api/health on 3000, api /health on 3001.
			web, api := tgFor(t, s, "web"), tgFor(t, s, "api")
			if web.In("healthCheck.path").Str() != "/api/health" || web.In("port").Num() != 3000 {
				t.Errorf("web target group: path %q port %v", web.In("healthCheck.path").Str(), web.In("port").Num())
			}
			if api.In("healthCheck.path").Str() != "/health" || api.In("port").Num() != 3001 {
				t.Errorf("api target group: path %q port %v", api.In("healthCheck.path").Str(), api.In("port").Num())
			}
		})
	}
}

func TestServicesDependOnTheirRouting(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			traffic := trafficListener(t, s)
			for _, svc := range s.cfg.Services {
				ecs := s.r.One(t, programtest.TypeEcsService, s.cfg.Prefix()+"-"+svc.Name)
				if !contains(ecs.DependsOn, traffic.URN) {
					t.Errorf("%s ECS service does not depend on listener %s: %v", svc.Name, traffic.Name, ecs.DependsOn)
				}
				if !svc.IsDefault() {
					rule := s.r.One(t, programtest.TypeListenerRule, s.cfg.Prefix()+"-"+svc.Name)
					if !contains(ecs.DependsOn, rule.URN) {
						t.Errorf("%s ECS service does not depend on its listener rule", svc.Name)
					}
				}
				if got := ecs.In("loadBalancers[0].targetGroupArn").Str(); got != tgFor(t, s, svc.Name).Out("arn").Str() ||
					ecs.In("loadBalancers[0].containerName").Str() != svc.Name || int(ecs.In("loadBalancers[0].containerPort").Num()) != svc.Port {
					t.Errorf("%s load balancer attachment %v", svc.Name, ecs.In("loadBalancers").Plain())
				}
			}
		})
	}
}

func TestServicesArePrivate(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			var private []string
			for _, az := range s.cfg.Network.AvailabilityZones {
				private = append(private, s.r.One(t, "aws:ec2/subnet:Subnet", s.cfg.Prefix()+"-private-"+az).ID)
			}
			services := s.r.ByType(programtest.TypeEcsService)
			if len(services) != len(s.cfg.Services) {
				t.Fatalf("%d ECS services for %d configured", len(services), len(s.cfg.Services))
			}
			for _, e := range services {
				if e.In("networkConfiguration.assignPublicIp").Null() || e.In("networkConfiguration.assignPublicIp").Bool() {
					t.Errorf("%s: assignPublicIp must be explicitly false", e.Name)
				}
				if got := e.In("networkConfiguration.subnets").Strs(); !reflect.DeepEqual(got, private) {
					t.Errorf("%s runs in %v; want the private subnets %v", e.Name, got, private)
				}
				if !e.In("enableExecuteCommand").Bool() {
					t.Errorf("%s: ECS Exec is off", e.Name)
				}
				if !e.In("deploymentCircuitBreaker.enable").Bool() || !e.In("deploymentCircuitBreaker.rollback").Bool() {
					t.Errorf("%s: deployment circuit breaker with rollback is off", e.Name)
				}
			}
			for _, svc := range s.cfg.Services {
				e := s.r.One(t, programtest.TypeEcsService, s.cfg.Prefix()+"-"+svc.Name)
				if int(e.In("deploymentMinimumHealthyPercent").Num()) != svc.MinHealthyPercent || int(e.In("deploymentMaximumPercent").Num()) != svc.MaxPercent {
					t.Errorf("%s deployment percents %v/%v; want %d/%d", svc.Name, e.In("deploymentMinimumHealthyPercent").Num(), e.In("deploymentMaximumPercent").Num(), svc.MinHealthyPercent, svc.MaxPercent)
				}
			}
		})
	}
}

// TestSecurityGroupGraph: nothing is open to the internet; the ALB admits only
// CloudFront's origin-facing prefix list on port 80, the ALB reaches only each service's
// container port, each service is reached only from the
// ALB, and the database only from the services.
func TestSecurityGroupGraph(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			r := s.r
			albSG := r.One(t, programtest.TypeSecurityGroup, s.cfg.Prefix()+"-alb").ID
			taskSG := map[string]string{} // security group id -> service name
			port := map[string]int{}
			for _, svc := range s.cfg.Services {
				id := r.One(t, programtest.TypeSecurityGroup, s.cfg.Prefix()+"-"+svc.Name+"-tasks").ID
				taskSG[id] = svc.Name
				port[svc.Name] = svc.Port
			}
			dbSG := ""
			if out, ok := r.Exports.Get("dbSecurityGroupId"); ok {
				dbSG = fmt.Sprint(out.Value)
			}
			if r.ByID(dbSG) == nil {
				t.Fatalf("database security group %q not found", dbSG)
			}
			wantALBPorts := []int{edge.CdnOriginHTTPPort}
			var prefixList string
			for _, c := range r.Calls() {
				if c.Token == "aws:ec2/getManagedPrefixList:getManagedPrefixList" && c.Args["name"].StringValue() == edge.CloudFrontPrefixListName {
					prefixList = "pl-"
				}
			}
			if prefixList == "" {
				t.Fatalf("the CloudFront origin-facing prefix list %s is never looked up", edge.CloudFrontPrefixListName)
			}
			var albPorts []int
			var internalIn, internalOut []string // caller->callee:port
			dbSources := map[string]bool{}
			for _, rule := range r.ByType(programtest.TypeIngress) {
				sg := rule.In("securityGroupId").Str()
				from, to := int(rule.In("fromPort").Num()), int(rule.In("toPort").Num())
				src := rule.In("referencedSecurityGroupId").Str()
				cidr := rule.In("cidrIpv4").Str()
				if cidr == "0.0.0.0/0" || rule.In("cidrIpv6").Str() == "::/0" {
					t.Errorf("%s opens %s to the internet; nothing may be", rule.Name, sg)
				}
				switch {
				case sg == albSG:
					if !strings.HasPrefix(rule.In("prefixListId").Str(), prefixList) || cidr != "" || src != "" || from != to {
						t.Errorf("ALB ingress %s: %v; want only CloudFront's prefix list", rule.Name, rule.Inputs)
					}
					albPorts = append(albPorts, from)
				case taskSG[sg] != "":
					name := taskSG[sg]
					if src == albSG && from == port[name] && to == port[name] && cidr == "" {
						continue
					}
					if caller := taskSG[src]; caller != "" && from == port[name] && to == port[name] && cidr == "" {
						internalIn = append(internalIn, fmt.Sprintf("%s->%s:%d", caller, name, from))
						continue
					}
					t.Errorf("%s tasks admit %v; want only the ALB on %d and the services that call them", name, rule.Inputs, port[name])
				case sg == dbSG:
					if taskSG[src] == "" || from != 5432 || to != 5432 {
						t.Errorf("database admits %v; want only the services on 5432", rule.Inputs)
					}
					dbSources[src] = true
				}
			}
			sort.Ints(albPorts)
			if !reflect.DeepEqual(albPorts, wantALBPorts) {
				t.Errorf("ALB admits CloudFront on %v; want %v", albPorts, wantALBPorts)
			}
			for id, name := range taskSG {
				if !dbSources[id] {
					t.Errorf("database does not admit the %s tasks", name)
				}
			}
			// The ALB sends only to the services' container ports.
			var albOut []string
			for _, rule := range r.ByType(programtest.TypeEgress) {
				if caller, callee := taskSG[rule.In("securityGroupId").Str()], taskSG[rule.In("referencedSecurityGroupId").Str()]; caller != "" && callee != "" {
					internalOut = append(internalOut, fmt.Sprintf("%s->%s:%d", caller, callee, int(rule.In("fromPort").Num())))
					if rule.In("toPort").Num() != rule.In("fromPort").Num() || rule.In("ipProtocol").Str() != "tcp" {
						t.Errorf("%s egress to %s: %v; want one TCP port", caller, callee, rule.Inputs)
					}
				}
				if rule.In("securityGroupId").Str() != albSG {
					continue
				}
				dst := rule.In("referencedSecurityGroupId").Str()
				name := taskSG[dst]
				if name == "" || int(rule.In("fromPort").Num()) != port[name] || int(rule.In("toPort").Num()) != port[name] {
					t.Errorf("ALB egress %v; want only the services' ports", rule.Inputs)
				}
				albOut = append(albOut, name)
			}
			sort.Strings(albOut)
			var names []string
			for _, svc := range s.cfg.Services {
				names = append(names, svc.Name)
			}
			sort.Strings(names)
			if !reflect.DeepEqual(albOut, names) {
				t.Errorf("ALB egress to %v; want %v", albOut, names)
			}
			// Between services: exactly the configured calls, each on the callee's port, in
			// both directions; in both stacks that is web to api on 3001.
			var wantCalls []string
			for _, svc := range s.cfg.Services {
				for _, c := range svc.Calls {
					wantCalls = append(wantCalls, fmt.Sprintf("%s->%s:%d", svc.Name, c, port[c]))
				}
			}
			sort.Strings(wantCalls)
			sort.Strings(internalIn)
			sort.Strings(internalOut)
			if !reflect.DeepEqual(wantCalls, []string{"web->api:3001"}) {
				t.Errorf("%s configures the calls %v; the committed stacks have web call api", s.name, wantCalls)
			}
			if !reflect.DeepEqual(internalIn, wantCalls) || !reflect.DeepEqual(internalOut, wantCalls) {
				t.Errorf("service-to-service ingress %v, egress %v; want %v", internalIn, internalOut, wantCalls)
			}
		})
	}
}

func roleFor(t *testing.T, r programtest.Result, arn string) *mockengine.Resource {
	t.Helper()
	role := r.ByID(arn)
	if role == nil || role.Type != programtest.TypeRole {
		t.Fatalf("role %s not found", arn)
	}
	return role
}

func policyOf(t *testing.T, r programtest.Result, role *mockengine.Resource) iamdoc.Document {
	t.Helper()
	var found []iamdoc.Document
	for _, p := range r.ByType(programtest.TypeRolePolicy) {
		if p.In("role").Str() == role.ID {
			var doc iamdoc.Document
			if err := p.In("policy").JSON(&doc); err != nil {
				t.Fatal(err)
			}
			found = append(found, doc)
		}
	}
	if len(found) != 1 {
		t.Fatalf("role %s has %d inline policies; want 1", role.Name, len(found))
	}
	return found[0]
}

func TestIAM(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			dbKey, _ := s.r.Exports.Get("dbKmsKeyArn")
			clusterKey := s.r.One(t, programtest.TypeKey, s.cfg.Prefix()+"-compute").Out("arn").Str()
			execGroup := s.r.One(t, programtest.TypeLogGroup, s.cfg.Prefix()+"-exec").Out("arn").Str()
			paramArns := map[string]string{} // short name -> ARN
			for _, p := range s.r.ByType(programtest.TypeParameter) {
				paramArns[strings.TrimPrefix(p.In("name").Str(), s.cfg.ParameterPath())] = p.Out("arn").Str()
			}
			for _, svc := range s.cfg.Services {
				// Least privilege: the execution role reads the parameters this service
				// names, no others.
				var wantParams []string
				for _, name := range svc.Secrets {
					if paramArns[name] == "" {
						t.Fatalf("%s names %s, which has no parameter", svc.Name, name)
					}
					wantParams = append(wantParams, paramArns[name])
				}
				sort.Strings(wantParams)
				task := s.r.One(t, programtest.TypeTaskDefinition, s.cfg.Prefix()+"-"+svc.Name+"-task")
				execRole := roleFor(t, s.r, task.In("executionRoleArn").Str())
				taskRole := roleFor(t, s.r, task.In("taskRoleArn").Str())
				if execRole.URN == taskRole.URN {
					t.Fatalf("%s: execution and task role are the same", svc.Name)
				}
				var managed []string
				for _, a := range s.r.ByType(programtest.TypeRolePolicyAttachment) {
					if a.In("role").Str() == execRole.Out("name").Str() {
						managed = append(managed, a.In("policyArn").Str())
					}
				}
				if !reflect.DeepEqual(managed, []string{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}) {
					t.Errorf("%s execution role managed policies %v", svc.Name, managed)
				}
				want := iamdoc.New(
					iamdoc.Statement{Sid: "ReadStackParameters", Action: []string{"ssm:GetParameters"}, Resource: wantParams},
					iamdoc.Statement{Sid: "DecryptStackParameters", Action: []string{"kms:Decrypt"}, Resource: []string{fmt.Sprint(dbKey.Value)}},
				)
				if got := policyOf(t, s.r, execRole); !reflect.DeepEqual(got, want) {
					t.Errorf("%s execution role policy\n%+v\nwant\n%+v", svc.Name, got, want)
				}
				for _, role := range []*mockengine.Resource{execRole, taskRole} {
					var trust iamdoc.Document
					if err := role.In("assumeRolePolicy").JSON(&trust); err != nil {
						t.Fatal(err)
					}
					if trust.Statement[0].Principal["Service"] != "ecs-tasks.amazonaws.com" {
						t.Errorf("%s trust %+v", role.Name, trust)
					}
				}
				// The task definition (and so the service) waits for every grant of both roles.
				for _, p := range s.r.ByType(programtest.TypeRolePolicy) {
					if (p.In("role").Str() == execRole.ID || p.In("role").Str() == taskRole.ID) && !contains(task.DependsOn, p.URN) {
						t.Errorf("%s task definition does not wait for role policy %s", svc.Name, p.Name)
					}
				}
				for _, a := range s.r.ByType(programtest.TypeRolePolicyAttachment) {
					if a.In("role").Str() == execRole.Out("name").Str() && !contains(task.DependsOn, a.URN) {
						t.Errorf("%s task definition does not wait for policy attachment %s", svc.Name, a.Name)
					}
				}
				taskPolicy := policyOf(t, s.r, taskRole)
				var granted []compute.Permission
				for _, st := range taskPolicy.Statement {
					if strings.HasPrefix(st.Sid, compute.GrantedSidPrefix) {
						granted = append(granted, compute.Permission{Actions: st.Action, Resources: st.Resource})
						continue
					}
					for _, a := range st.Action {
						switch {
						case strings.HasPrefix(a, "ssmmessages:"):
							if !contains(compute.ExecActions, a) {
								t.Errorf("task role grants %s", a)
							}
						case a == "logs:DescribeLogGroups":
						case strings.HasPrefix(a, "logs:"):
							if !reflect.DeepEqual(st.Resource, []string{execGroup, execGroup + ":*"}) {
								t.Errorf("task role writes logs to %v; want only the exec log group", st.Resource)
							}
						case a == "kms:Decrypt":
							if !reflect.DeepEqual(st.Resource, []string{clusterKey}) {
								t.Errorf("task role decrypts with %v; want only the cluster key", st.Resource)
							}
						default:
							t.Errorf("task role grants %s, which ECS Exec does not need", a)
						}
					}
				}
				if want := svc.TaskPermissions; len(granted)+len(want) > 0 && !reflect.DeepEqual(granted, want) {
					t.Errorf("%s task role grants %+v beyond ECS Exec; config grants %+v", svc.Name, granted, want)
				}
			}
		})
	}
}

// TestTaskPermissionsFromConfig: a service's taskPermissions become statements of its own
// task role, in order, and of no other role.
func TestTaskPermissionsFromConfig(t *testing.T) {
	key, list := committedServices(t, "prod")
	perms := []compute.Permission{
		{Actions: []string{"s3:GetObject", "s3:PutObject"}, Resources: []string{"arn:aws:s3:::ecsite-uploads/*"}},
		{Actions: []string{"cloudwatch:PutMetricData"}, Resources: []string{"*"}},
	}
	for _, svc := range list {
		if svc["name"] == "api" {
			svc["taskPermissions"] = perms
		}
	}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	r := programtest.MustRun(t, "prod", mockengine.Options{Config: map[string]string{key: string(b)}})
	for svc, want := range map[string][]compute.Permission{"api": perms, "web": nil} {
		task := r.One(t, programtest.TypeTaskDefinition, "ecsite-prod-"+svc+"-task")
		var got []compute.Permission
		for _, st := range policyOf(t, r, roleFor(t, r, task.In("taskRoleArn").Str())).Statement {
			if strings.HasPrefix(st.Sid, compute.GrantedSidPrefix) {
				got = append(got, compute.Permission{Actions: st.Action, Resources: st.Resource})
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s task role grants %+v; want %+v", svc, got, want)
		}
	}
}

func containerOf(t *testing.T, s stackRun, svc string) compute.ContainerDefinition {
	t.Helper()
	task := s.r.One(t, programtest.TypeTaskDefinition, s.cfg.Prefix()+"-"+svc+"-task")
	var defs []compute.ContainerDefinition
	if err := task.In("containerDefinitions").JSON(&defs); err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 {
		t.Fatalf("%s: %d containers", svc, len(defs))
	}
	return defs[0]
}

func TestTaskDefinitions(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			params := map[string]string{} // ARN -> SSM name
			for _, p := range s.r.ByType(programtest.TypeParameter) {
				params[p.Out("arn").Str()] = p.In("name").Str()
			}
			for _, svc := range s.cfg.Services {
				task := s.r.One(t, programtest.TypeTaskDefinition, s.cfg.Prefix()+"-"+svc.Name+"-task")
				if task.In("cpu").Str() != fmt.Sprint(svc.Cpu) || task.In("memory").Str() != fmt.Sprint(svc.Memory) ||
					task.In("networkMode").Str() != "awsvpc" || !reflect.DeepEqual(task.In("requiresCompatibilities").Strs(), []string{"FARGATE"}) {
					t.Errorf("%s task %v", svc.Name, task.Inputs)
				}
				if !task.In("skipDestroy").Bool() {
					t.Errorf("%s task definition deregisters the revision it replaces; a rollback to it would be refused", svc.Name)
				}
				c := containerOf(t, s, svc.Name)
				// Secrets: each one an existing parameter under the stack's path, by ARN.
				var got []string
				for _, sec := range c.Secrets {
					name, ok := params[sec.ValueFrom]
					if !ok {
						t.Errorf("%s secret %s reads %s, which is no parameter of the stack", svc.Name, sec.Name, sec.ValueFrom)
						continue
					}
					if name != s.cfg.ParameterPath()+sec.Name {
						t.Errorf("%s secret %s reads parameter %s", svc.Name, sec.Name, name)
					}
					got = append(got, sec.Name)
				}
				want := append([]string(nil), svc.Secrets...)
				sort.Strings(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s secrets %v; want %v", svc.Name, got, want)
				}
				env := map[string]string{}
				for _, kv := range c.Environment {
					env[kv.Name] = kv.Value
				}
				if env["NODE_ENV"] != "production" {
					t.Errorf("%s NODE_ENV=%q", svc.Name, env["NODE_ENV"])
				}
				for k, v := range svc.Environment {
					if env[k] != v {
						t.Errorf("%s %s=%q; want %q", svc.Name, k, env[k], v)
					}
				}
				if !c.ReadonlyRootFilesystem || c.User != svc.User || c.User == "" || c.User == "root" || strings.HasPrefix(c.User, "0") {
					t.Errorf("%s: read-only root %v, user %q; want read-only and the configured non-root user", svc.Name, c.ReadonlyRootFilesystem, c.User)
				}
				tmp := false
				for _, m := range c.MountPoints {
					if m.ContainerPath == "/tmp" && !m.ReadOnly {
						tmp = true
					}
				}
				if !tmp {
					t.Errorf("%s has no writable /tmp", svc.Name)
				}
				var volumes []string
				for _, v := range task.In("volumes").Plain().([]any) {
					volumes = append(volumes, v.(map[string]any)["name"].(string))
				}
				for _, m := range c.MountPoints {
					if !contains(volumes, m.SourceVolume) {
						t.Errorf("%s mounts unknown volume %s", svc.Name, m.SourceVolume)
					}
				}
				group := s.r.One(t, programtest.TypeLogGroup, s.cfg.Prefix()+"-"+svc.Name+"-logs")
				if c.LogConfiguration.LogDriver != "awslogs" || c.LogConfiguration.Options["awslogs-group"] != group.Out("name").Str() || c.LogConfiguration.Options["awslogs-region"] != "ap-northeast-1" {
					t.Errorf("%s logging %+v", svc.Name, c.LogConfiguration)
				}
				if int(group.In("retentionInDays").Num()) != svc.LogRetentionDays || group.In("kmsKeyId").Null() {
					t.Errorf("%s log group retention %v, key %v; want %d days, encrypted", svc.Name, group.In("retentionInDays").Num(), group.In("kmsKeyId").Str(), svc.LogRetentionDays)
				}
				repo := s.r.One(t, programtest.TypeRepository, s.cfg.Prefix()+"-"+svc.Name+"-repo")
				if want := repo.Out("repositoryUrl").Str() + svc.Image.Reference(); svc.Image.Repository == "" && c.Image != want {
					t.Errorf("%s image %s; want %s", svc.Name, c.Image, want)
				}
				if strings.HasSuffix(c.Image, ":latest") || !strings.ContainsAny(c.Image[strings.LastIndex(c.Image, "/"):], ":@") {
					t.Errorf("%s image %s is not pinned", svc.Name, c.Image)
				}
				if len(c.PortMappings) != 1 || c.PortMappings[0].ContainerPort != svc.Port {
					t.Errorf("%s ports %+v", svc.Name, c.PortMappings)
				}
			}
		})
	}
}

func TestRepositories(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			for _, svc := range s.cfg.Services {
				repo := s.r.One(t, programtest.TypeRepository, s.cfg.Prefix()+"-"+svc.Name+"-repo")
				if repo.In("imageTagMutability").Str() != "IMMUTABLE" || !repo.In("imageScanningConfiguration.scanOnPush").Bool() ||
					repo.In("encryptionConfigurations[0].encryptionType").Str() != "KMS" {
					t.Errorf("%s repository %v", svc.Name, repo.Inputs)
				}
				lc := s.r.One(t, programtest.TypeLifecyclePolicy, repo.Name)
				var policy struct {
					Rules []struct {
						Selection struct {
							CountType   string `json:"countType"`
							CountNumber int    `json:"countNumber"`
						} `json:"selection"`
						Action struct{ Type string } `json:"action"`
					} `json:"rules"`
				}
				if err := lc.In("policy").JSON(&policy); err != nil {
					t.Fatal(err)
				}
				if lc.In("repository").Str() != repo.Out("name").Str() || len(policy.Rules) != 1 || policy.Rules[0].Selection.CountType != "imageCountMoreThan" ||
					policy.Rules[0].Selection.CountNumber != s.cfg.Cluster.ImagesToKeep || policy.Rules[0].Action.Type != "expire" {
					t.Errorf("%s lifecycle %+v; want keep the newest %d", svc.Name, policy, s.cfg.Cluster.ImagesToKeep)
				}
			}
			urls, _ := s.r.Exports.Get("repositoryUrls")
			if v := reflect.ValueOf(urls.Value); v.Kind() != reflect.Map || v.Len() != len(s.cfg.Services) {
				t.Errorf("repositoryUrls output %v", urls.Value)
			}
		})
	}
}

func TestClusterAndSpot(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			cl := s.r.One(t, programtest.TypeEcsCluster, s.cfg.Prefix()+"-cluster")
			if got := cl.In("settings").Plain(); !reflect.DeepEqual(got, []any{map[string]any{"name": "containerInsights", "value": s.cfg.Cluster.ContainerInsights}}) {
				t.Errorf("cluster settings %v", got)
			}
			key := s.r.One(t, programtest.TypeKey, s.cfg.Prefix()+"-compute")
			group := s.r.One(t, programtest.TypeLogGroup, s.cfg.Prefix()+"-exec")
			exec := "configuration.executeCommandConfiguration."
			if cl.In(exec+"logging").Str() != "OVERRIDE" || cl.In(exec+"kmsKeyId").Str() != key.Out("arn").Str() ||
				cl.In(exec+"logConfiguration.cloudWatchLogGroupName").Str() != group.Out("name").Str() || !cl.In(exec+"logConfiguration.cloudWatchEncryptionEnabled").Bool() {
				t.Errorf("ECS Exec configuration %v", cl.In("configuration").Plain())
			}
			if group.In("kmsKeyId").Str() != key.Out("arn").Str() || int(group.In("retentionInDays").Num()) != s.cfg.Cluster.ExecLogRetentionDays {
				t.Errorf("exec log group %v", group.Inputs)
			}
			if !key.In("enableKeyRotation").Bool() {
				t.Errorf("compute key without rotation")
			}
			// CloudWatch Logs refuses to create a log group with a key it may not use.
			var keyPolicy iamdoc.Document
			if err := key.In("policy").JSON(&keyPolicy); err != nil {
				t.Fatal(err)
			}
			encrypted := 0
			for _, g := range s.r.ByType(programtest.TypeLogGroup) {
				if g.In("kmsKeyId").Str() != key.Out("arn").Str() {
					continue
				}
				encrypted++
				if !logsMayUseKey(keyPolicy, "ap-northeast-1", g.Out("arn").Str()) {
					t.Errorf("key policy does not let CloudWatch Logs encrypt log group %s: %+v", g.Out("name").Str(), keyPolicy)
				}
			}
			want := len(s.cfg.Services) + 2
			if s.cfg.Migration.Enabled() {
				want++
			}
			if encrypted != want {
				t.Errorf("%d log groups use the compute key; want %d: the exec group, one per service, the migration task's and the VPC's flow-log group", encrypted, want)
			}
			cap := s.r.One(t, programtest.TypeCapacityProviders, s.cfg.Prefix()+"-capacity")
			if !reflect.DeepEqual(cap.In("capacityProviders").Strs(), []string{"FARGATE", "FARGATE_SPOT"}) {
				t.Errorf("capacity providers %v", cap.In("capacityProviders").Strs())
			}
			spotTasks := func(plain any) bool {
				for _, e := range plain.([]any) {
					m := e.(map[string]any)
					if m["capacityProvider"] == "FARGATE_SPOT" && (m["weight"].(float64) > 0 || m["base"].(float64) > 0) {
						return true
					}
				}
				return false
			}
			// Spot in dev only: prod's tasks all run on demand.
			wantSpot := s.name == "dev"
			if got := spotTasks(cap.In("defaultCapacityProviderStrategies").Plain()); got != wantSpot {
				t.Errorf("cluster default strategy uses Spot: %v; want %v", got, wantSpot)
			}
			for _, svc := range s.cfg.Services {
				e := s.r.One(t, programtest.TypeEcsService, s.cfg.Prefix()+"-"+svc.Name)
				if got := spotTasks(e.In("capacityProviderStrategies").Plain()); got != wantSpot {
					t.Errorf("%s uses Spot: %v; want %v", svc.Name, got, wantSpot)
				}
				if !e.In("launchType").Null() {
					t.Errorf("%s sets a launch type, which overrides the capacity providers", svc.Name)
				}
				// The provider replaces a service whose strategy changes unless
				// forceNewDeployment is set; with it the change rolls out in place.
				if !e.In("forceNewDeployment").Bool() {
					t.Errorf("%s: a strategy change would replace the service (forceNewDeployment is off)", svc.Name)
				}
				if e.In("cluster").Str() != cl.Out("arn").Str() {
					t.Errorf("%s is not in the cluster", svc.Name)
				}
			}
			if name, _ := s.r.Exports.Get("clusterName"); name.Value != cl.Out("name").Str() {
				t.Errorf("clusterName output %v", name.Value)
			}
		})
	}
}

func TestAutoscaling(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			clusterName := s.r.One(t, programtest.TypeEcsCluster, s.cfg.Prefix()+"-cluster").Out("name").Str()
			lowered := false
			for _, svc := range s.cfg.Services {
				prefix := s.cfg.Prefix() + "-" + svc.Name
				e := s.r.One(t, programtest.TypeEcsService, prefix)
				if !contains(e.IgnoreChanges, "desiredCount") {
					t.Errorf("%s: desiredCount is not ignored; pulumi up would undo autoscaling", svc.Name)
				}
				if int(e.In("desiredCount").Num()) != svc.DesiredCount {
					t.Errorf("%s desired %v; want %d", svc.Name, e.In("desiredCount").Num(), svc.DesiredCount)
				}
				target := s.r.One(t, programtest.TypeScalingTarget, prefix+"-scaling")
				// Scheduled actions rewrite the range: a refresh (the daily drift check)
				// must not report it, and pulumi up must not undo it.
				for _, p := range []string{"minCapacity", "maxCapacity"} {
					if len(svc.Schedules) > 0 && !contains(target.IgnoreChanges, p) {
						t.Errorf("%s has schedules but its scalable target does not ignore %s", svc.Name, p)
					}
				}
				resourceID := "service/" + clusterName + "/" + e.Out("name").Str()
				if target.In("resourceId").Str() != resourceID || int(target.In("minCapacity").Num()) != svc.MinCount || int(target.In("maxCapacity").Num()) != svc.MaxCount ||
					target.In("scalableDimension").Str() != "ecs:service:DesiredCount" {
					t.Errorf("%s scalable target %v; want %s %d-%d", svc.Name, target.Inputs, resourceID, svc.MinCount, svc.MaxCount)
				}
				for metric, want := range map[string]float64{"ECSServiceAverageCPUUtilization": svc.CPUTarget, "ECSServiceAverageMemoryUtilization": svc.MemoryTarget} {
					found := false
					for _, p := range s.r.ByType(programtest.TypeScalingPolicy) {
						if p.In("resourceId").Str() != resourceID || p.In("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType").Str() != metric {
							continue
						}
						found = true
						cfg := "targetTrackingScalingPolicyConfiguration."
						if p.In(cfg+"targetValue").Num() != want || int(p.In(cfg+"scaleInCooldown").Num()) != svc.ScaleInCooldownSeconds || int(p.In(cfg+"scaleOutCooldown").Num()) != svc.ScaleOutCooldownSeconds {
							t.Errorf("%s %s policy %v", svc.Name, metric, p.In("targetTrackingScalingPolicyConfiguration").Plain())
						}
					}
					if !found {
						t.Errorf("%s has no %s target tracking", svc.Name, metric)
					}
				}
				var actions []*mockengine.Resource
				for _, a := range s.r.ByType(programtest.TypeScheduledAction) {
					if a.In("resourceId").Str() == resourceID {
						actions = append(actions, a)
					}
				}
				if len(actions) != len(svc.Schedules) {
					t.Errorf("%s has %d scheduled actions; config lists %d", svc.Name, len(actions), len(svc.Schedules))
				}
				for _, sc := range svc.Schedules {
					a := s.r.One(t, programtest.TypeScheduledAction, prefix+"-"+sc.Name)
					if a.In("schedule").Str() != sc.Schedule || a.In("timezone").Str() != "Asia/Tokyo" ||
						int(a.In("scalableTargetAction.minCapacity").Num()) != sc.MinCount || int(a.In("scalableTargetAction.maxCapacity").Num()) != sc.MaxCount {
						t.Errorf("%s scheduled action %v", sc.Name, a.Inputs)
					}
					if sc.MinCount < svc.MinCount {
						lowered = true
					}
				}
			}
			if s.cfg.Services[0].MinCount != 1 && s.name == "dev" || s.name == "prod" && (s.cfg.Services[0].MinCount != 2 || s.cfg.Services[0].MaxCount != 10) {
				t.Errorf("%s scales %d-%d; want dev 1-2, prod 2-10", s.name, s.cfg.Services[0].MinCount, s.cfg.Services[0].MaxCount)
			}
			if !lowered {
				t.Errorf("%s has no schedule that lowers the minimum (prod: nights and weekends, dev: 0 at night)", s.name)
			}
		})
	}
}

// TestComputeOutputs: the outputs the alarms, CI and operators read carry the values of
// the resources they name.
func TestComputeOutputs(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			lb := s.r.One(t, programtest.TypeLoadBalancer, s.cfg.Prefix()+"-lb")
			want := map[string]any{
				"albDnsName":       lb.Out("dnsName").Str(),
				"albArnSuffix":     lb.Out("arnSuffix").Str(),
				"clusterName":      s.r.One(t, programtest.TypeEcsCluster, s.cfg.Prefix()+"-cluster").Out("name").Str(),
				"execLogGroupName": s.r.One(t, programtest.TypeLogGroup, s.cfg.Prefix()+"-exec").Out("name").Str(),
			}
			names, suffixes, repos, logs := map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
			tasks := map[string]string{}
			for _, svc := range s.cfg.Services {
				prefix := s.cfg.Prefix() + "-" + svc.Name
				tasks[svc.Name] = s.r.One(t, programtest.TypeTaskDefinition, prefix+"-task").Out("arn").Str()
				names[svc.Name] = s.r.One(t, programtest.TypeEcsService, prefix).Out("name").Str()
				suffixes[svc.Name] = tgFor(t, s, svc.Name).Out("arnSuffix").Str()
				repos[svc.Name] = s.r.One(t, programtest.TypeRepository, prefix+"-repo").Out("repositoryUrl").Str()
				logs[svc.Name] = s.r.One(t, programtest.TypeLogGroup, prefix+"-logs").Out("name").Str()
			}
			want["serviceNames"], want["targetGroupArnSuffixes"], want["repositoryUrls"], want["serviceLogGroupNames"] = names, suffixes, repos, logs
			want["taskDefinitionArns"] = tasks
			for name, w := range want {
				got, ok := s.r.Exports.Get(name)
				if !ok {
					t.Errorf("output %s not exported", name)
					continue
				}
				if wm, isMap := w.(map[string]string); isMap {
					gm := map[string]string{}
					v := reflect.ValueOf(got.Value)
					if v.Kind() == reflect.Map {
						for _, k := range v.MapKeys() {
							gm[fmt.Sprint(k.Interface())] = fmt.Sprint(v.MapIndex(k).Interface())
						}
					}
					if !reflect.DeepEqual(gm, wm) {
						t.Errorf("output %s = %v; want %v", name, got.Value, wm)
					}
				} else if got.Value != w || w == "" {
					t.Errorf("output %s = %v; want %v", name, got.Value, w)
				}
			}
		})
	}
}

// TestScalableRangeManagedWithoutSchedules: a service without schedules keeps its range
// under Pulumi's control, so a change to minCount or maxCount is applied.
func TestScalableRangeManagedWithoutSchedules(t *testing.T) {
	key, list := committedServices(t, "prod")
	for _, svc := range list {
		delete(svc, "schedules")
	}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	r := programtest.MustRun(t, "prod", mockengine.Options{Config: map[string]string{key: string(b)}})
	targets := r.ByType(programtest.TypeScalingTarget)
	if len(targets) != len(list) || len(r.ByType(programtest.TypeScheduledAction)) != 0 {
		t.Fatalf("%d scalable targets and %d scheduled actions; want %d and none", len(targets), len(r.ByType(programtest.TypeScheduledAction)), len(list))
	}
	for _, target := range targets {
		if len(target.IgnoreChanges) != 0 {
			t.Errorf("%s ignores %v although no schedule changes its range", target.Name, target.IgnoreChanges)
		}
	}
}

// TestNamesFitWithLongestAllowedNames runs prod with the longest project, environment and
// service names config allows: every load balancer and target group auto-name fits AWS's
// 32 characters.
func TestNamesFitWithLongestAllowedNames(t *testing.T) {
	project := strings.Repeat("p", config.MaxProjectLength)
	env := strings.Repeat("e", config.MaxEnvironmentLength)
	svc := strings.Repeat("s", config.MaxServiceNameLength)
	services := `[{"name":"web","calls":["` + svc + `"],"image":{"tag":"1"}},{"name":"` + svc + `","port":3002,"pathPattern":"/x/*","priority":7,"database":"both","image":{"tag":"1"}}]`
	// Another project reads its keys from its own namespace: re-key prod's configuration.
	stackCfg, err := mockengine.StackConfig("prod")
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{}
	for k, v := range stackCfg {
		if ns, key, _ := strings.Cut(k, ":"); ns == "ecsite" {
			cfg[project+":"+key] = v
		}
	}
	cfg[project+":environment"] = env
	cfg[project+":services"] = services
	cfg[project+":migration"] = `{"service":"` + svc + `"}`
	job := strings.Repeat("j", compute.MaxJobNameLength)
	cfg[project+":jobs"] = `[{"name":"` + job + `","service":"web","command":["x"],"schedule":"rate(1 day)"}]`
	r := programtest.MustRun(t, "prod", mockengine.Options{Project: project, Config: cfg})
	checked := 0
	for _, typ := range []string{programtest.TypeLoadBalancer, programtest.TypeTargetGroup} {
		for _, res := range r.ByType(typ) {
			name := res.Out("name").Str()
			if len(res.Name) > compute.MaxAutoNamedLength || len(name) > 32 {
				t.Errorf("%s: logical %q (%d), physical %q (%d); AWS allows 32 after the 8-character suffix", typ, res.Name, len(res.Name), name, len(name))
			}
			checked++
		}
	}
	if checked != 3 {
		t.Errorf("checked %d names; want the ALB and two target groups", checked)
	}
	if tg := r.Named(programtest.TypeTargetGroup, env+"-"+svc); tg == nil || len(tg.Out("name").Str()) != 32 {
		t.Errorf("the longest target group name should use all 32 characters")
	}
	// The migration task's and the longest job's names: IAM roles, schedules and
	// EventBridge rules allow 64 characters.
	longest := 0
	for _, typ := range []string{programtest.TypeRole, "aws:scheduler/schedule:Schedule", "aws:cloudwatch/eventRule:EventRule"} {
		for _, res := range r.ByType(typ) {
			name := res.Out("name").Str()
			if len(name) > 64 {
				t.Errorf("%s %s: physical name %q has %d characters; AWS allows 64", typ, res.Name, name, len(name))
			}
			longest = max(longest, len(name))
		}
	}
	if longest != 64 {
		t.Errorf("the longest role name has %d characters; the longest job name should use all 64", longest)
	}
}

// logsMayUseKey reports whether a key policy lets CloudWatch Logs in region encrypt and
// decrypt for the log group groupArn: the actions of
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html for
// the service principal, with any encryption-context condition matching the group.
func logsMayUseKey(doc iamdoc.Document, region, groupArn string) bool {
	need := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:Describe"}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || st.Principal["Service"] != "logs."+region+".amazonaws.com" || !reflect.DeepEqual(st.Resource, []string{"*"}) {
			continue
		}
		ok := true
		for op, conds := range st.Condition {
			pattern, _ := conds["kms:EncryptionContext:aws:logs:arn"].(string)
			if op != "ArnLike" || len(conds) != 1 || !globMatch(pattern, groupArn) {
				ok = false
			}
		}
		for _, action := range need {
			granted := false
			for _, a := range st.Action {
				if globMatch(a, action) {
					granted = true
				}
			}
			ok = ok && granted
		}
		if ok {
			return true
		}
	}
	return false
}

// globMatch matches IAM wildcards: * is any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// committedServices returns the qualified services key and the stack file's services list
// as plain JSON values, for tests that change one service and run the program with it.
func committedServices(t *testing.T, stack string) (string, []map[string]any) {
	t.Helper()
	stackCfg, err := mockengine.StackConfig(stack)
	if err != nil {
		t.Fatal(err)
	}
	key := programtest.Key(t, "services")
	var list []map[string]any
	if err := json.Unmarshal([]byte(stackCfg[key]), &list); err != nil {
		t.Fatal(err)
	}
	return key, list
}

// TestServiceConnectAndContainers: in both committed stacks web calls api through ECS
// Service Connect in the stack's namespace, the containers get the URLs, the database
// TLS variables only where a database parameter is read, and the writable paths as task
// volumes on a read-only root.
func TestServiceConnectAndContainers(t *testing.T) {
	for _, s := range runStacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ns := s.r.One(t, "aws:servicediscovery/httpNamespace:HttpNamespace", s.cfg.Prefix()+"-services")
			if ns.In("name").Str() != s.cfg.Prefix()+".internal" {
				t.Errorf("namespace %q; want %s.internal", ns.In("name").Str(), s.cfg.Prefix())
			}
			nsArn := ns.Out("arn").Str()
			if nsArn == "" {
				t.Fatal("namespace has no ARN")
			}
			cluster := s.r.One(t, programtest.TypeEcsCluster, s.cfg.Prefix()+"-cluster")
			if got := cluster.In("serviceConnectDefaults.namespace").Str(); got != nsArn {
				t.Errorf("cluster serviceConnectDefaults.namespace %q; want %s", got, nsArn)
			}
			site, _ := s.r.Exports.Get("siteUrl")
			tls := map[string]string{
				"PGSSLMODE":           "verify-full",
				"PGSSL":               "verify-full",
				"PGSSLROOTCERT":       "/etc/ssl/certs/rds-global-bundle.pem",
				"NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/rds-global-bundle.pem",
			}
			// What each service's container must hold, beyond NODE_ENV and secrets.
			want := map[string]struct {
				env     map[string]string
				secrets []string
				paths   []string
			}{
				"web": {
					env:     map[string]string{"SITE_URL": fmt.Sprint(site.Value), "API_INTERNAL_URL": "http://api:3001"},
					secrets: []string{"JWT_SECRET"},
					paths:   []string{"/tmp", "/var/lib/amazon", "/var/log/amazon", "/app/.next/cache"},
				},
				"api": {
					env:     map[string]string{"SITE_URL": fmt.Sprint(site.Value), "PGSSLMODE": tls["PGSSLMODE"], "PGSSL": tls["PGSSL"], "PGSSLROOTCERT": tls["PGSSLROOTCERT"], "NODE_EXTRA_CA_CERTS": tls["NODE_EXTRA_CA_CERTS"]},
					secrets: []string{"DATABASE_READER_URL", "DATABASE_URL", "JWT_SECRET", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"},
					paths:   []string{"/tmp", "/var/lib/amazon", "/var/log/amazon"},
				},
			}
			if !strings.HasPrefix(fmt.Sprint(site.Value), "http") {
				t.Fatalf("siteUrl %v", site.Value)
			}
			for name, w := range want {
				task := s.r.One(t, programtest.TypeTaskDefinition, s.cfg.Prefix()+"-"+name+"-task")
				c := containerOf(t, s, name)
				env := map[string]string{}
				for _, kv := range c.Environment {
					env[kv.Name] = kv.Value
				}
				delete(env, "NODE_ENV")
				if !reflect.DeepEqual(env, w.env) {
					t.Errorf("%s environment %v; want %v", name, env, w.env)
				}
				var secrets []string
				for _, sec := range c.Secrets {
					secrets = append(secrets, sec.Name)
				}
				if !reflect.DeepEqual(secrets, w.secrets) {
					t.Errorf("%s secrets %v; want %v", name, secrets, w.secrets)
				}
				if !c.ReadonlyRootFilesystem {
					t.Errorf("%s: the root filesystem is writable", name)
				}
				var volumes []string
				for _, v := range task.In("volumes").Plain().([]any) {
					volumes = append(volumes, v.(map[string]any)["name"].(string))
				}
				var paths, mounted []string
				for _, m := range c.MountPoints {
					if m.ReadOnly {
						t.Errorf("%s mounts %s read-only; every task volume is a writable path", name, m.ContainerPath)
					}
					paths = append(paths, m.ContainerPath)
					mounted = append(mounted, m.SourceVolume)
				}
				if !reflect.DeepEqual(paths, w.paths) || !reflect.DeepEqual(mounted, volumes) {
					t.Errorf("%s mounts %v from %v; want %v, one per task volume %v", name, paths, mounted, w.paths, volumes)
				}
			}
			if got := containerOf(t, s, "web").MountPoints[3].SourceVolume; got != compute.WritableVolumeName("/app/.next/cache") || !strings.HasPrefix(got, "rw-app-_next-cache-") {
				t.Errorf("web's cache volume is %q; want the name derived from its path", got)
			}

			// api publishes its named port; web is a client only.
			api, web := containerOf(t, s, "api"), containerOf(t, s, "web")
			if want := []compute.PortMapping{{ContainerPort: 3001, Protocol: "tcp", Name: "api", AppProtocol: "http"}}; !reflect.DeepEqual(api.PortMappings, want) {
				t.Errorf("api ports %+v; want %+v", api.PortMappings, want)
			}
			if want := []compute.PortMapping{{ContainerPort: 3000, Protocol: "tcp"}}; !reflect.DeepEqual(web.PortMappings, want) {
				t.Errorf("web ports %+v; want %+v (nobody calls web)", web.PortMappings, want)
			}
			apiSvc := s.r.One(t, programtest.TypeEcsService, s.cfg.Prefix()+"-api")
			scAPI := func(path string) mockengine.Value { return apiSvc.In("serviceConnectConfiguration" + path) }
			if !scAPI(".enabled").Bool() || scAPI(".namespace").Str() != nsArn {
				t.Errorf("api Service Connect %v; want enabled in %s", scAPI("").Plain(), nsArn)
			}
			wantAPIServices := []any{map[string]any{
				"portName": "api", "discoveryName": "api",
				"clientAlias": []any{map[string]any{"port": float64(3001), "dnsName": "api"}},
			}}
			if got := scAPI(".services").Plain(); !reflect.DeepEqual(got, wantAPIServices) {
				t.Errorf("api Service Connect services %v; want %v", got, wantAPIServices)
			}
			webSvc := s.r.One(t, programtest.TypeEcsService, s.cfg.Prefix()+"-web")
			scWeb := func(path string) mockengine.Value { return webSvc.In("serviceConnectConfiguration" + path) }
			if !scWeb(".enabled").Bool() || scWeb(".namespace").Str() != nsArn || !scWeb(".services").Null() {
				t.Errorf("web Service Connect %v; want a client in %s that publishes nothing", scWeb("").Plain(), nsArn)
			}
			for _, sc := range []*mockengine.Resource{apiSvc, webSvc} {
				logs := func(path string) mockengine.Value {
					return sc.In("serviceConnectConfiguration.logConfiguration" + path)
				}
				group := s.r.One(t, programtest.TypeLogGroup, sc.Name+"-logs").Out("name").Str()
				if logs(".logDriver").Str() != "awslogs" || logs(".options.awslogs-group").Str() != group || logs(".options.awslogs-stream-prefix").Str() != compute.ServiceConnectProxyLogPrefix {
					t.Errorf("%s proxy logs %v; want awslogs to %s", sc.Name, logs("").Plain(), group)
				}
			}
			// web's first tasks start once api's endpoint exists.
			if !contains(webSvc.DependsOn, apiSvc.URN) {
				t.Errorf("web's ECS service does not wait for api's")
			}
		})
	}
}

// TestServiceConnectAndDatabaseVariablesFollowConfig: with web calling nobody, no service
// takes part in Service Connect and no port opens between the services; database access
// for web (database: writer) brings the writer's parameters before its own secrets, and
// the TLS variables, whatever the service's name.
func TestServiceConnectAndDatabaseVariablesFollowConfig(t *testing.T) {
	key, list := committedServices(t, "prod")
	list[0]["calls"] = []any{}
	list[0]["database"] = "writer"
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	r := programtest.MustRun(t, "prod", mockengine.Options{Config: map[string]string{key: string(b)}})
	s := stackRun{name: "prod", cfg: programtest.Config(t, "prod", mockengine.Options{Config: map[string]string{key: string(b)}}), r: r}
	for _, name := range []string{"web", "api"} {
		if sc := r.One(t, programtest.TypeEcsService, "ecsite-prod-"+name).In("serviceConnectConfiguration"); !sc.Null() {
			t.Errorf("%s takes part in Service Connect without calls: %v", name, sc.Plain())
		}
		if ports := containerOf(t, s, name).PortMappings; len(ports) != 1 || ports[0].Name != "" || ports[0].AppProtocol != "" {
			t.Errorf("%s publishes %+v although nobody calls it", name, ports)
		}
	}
	for _, rule := range append(r.ByType(programtest.TypeIngress), r.ByType(programtest.TypeEgress)...) {
		if strings.Contains(rule.Name, "-sc-") {
			t.Errorf("rule %s between services without calls", rule.Name)
		}
	}
	env := map[string]string{}
	for _, kv := range containerOf(t, s, "web").Environment {
		env[kv.Name] = kv.Value
	}
	if env["PGSSLMODE"] != "verify-full" || env["PGSSLROOTCERT"] != "/etc/ssl/certs/rds-global-bundle.pem" || env["NODE_EXTRA_CA_CERTS"] != "/etc/ssl/certs/rds-global-bundle.pem" {
		t.Errorf("web reads PGHOST but lacks the TLS variables: %v", env)
	}
	if _, ok := env["API_INTERNAL_URL"]; ok {
		t.Errorf("web calls nobody but has API_INTERNAL_URL")
	}
	var secrets []string
	for _, sec := range containerOf(t, s, "web").Secrets {
		secrets = append(secrets, sec.Name)
	}
	sort.Strings(secrets)
	if want := []string{"DATABASE_URL", "JWT_SECRET", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"}; !reflect.DeepEqual(secrets, want) {
		t.Errorf("web's secrets %v; want %v", secrets, want)
	}
}

// TestSecretsListCannotDropDatabaseAccess: a stack file that writes secrets: [JWT_SECRET]
// for api keeps api's database parameters and TLS variables, which its database setting
// provides; a list only adds to them.
func TestSecretsListCannotDropDatabaseAccess(t *testing.T) {
	key, list := committedServices(t, "prod")
	list[1]["secrets"] = []any{"JWT_SECRET"}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	opts := mockengine.Options{Config: map[string]string{key: string(b)}}
	s := stackRun{name: "prod", cfg: programtest.Config(t, "prod", opts), r: programtest.MustRun(t, "prod", opts)}
	c := containerOf(t, s, "api")
	var secrets []string
	for _, sec := range c.Secrets {
		secrets = append(secrets, sec.Name)
	}
	sort.Strings(secrets)
	if want := []string{"DATABASE_READER_URL", "DATABASE_URL", "JWT_SECRET", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"}; !reflect.DeepEqual(secrets, want) {
		t.Errorf("api's secrets %v; want the database's and JWT_SECRET", secrets)
	}
}

// TestEgressRulesFollowDestinations: the tasks' egress rules to outside the VPC are one per
// outbound port and destination, as outboundDestinations names them (cidrIpv4, cidrIpv6 or
// prefixListId), and the 443 rule that goes anywhere keeps its logical name; the
// committed stacks open 443 only, to 0.0.0.0/0.
func TestEgressRulesFollowDestinations(t *testing.T) {
	// outbound lists a stack's egress rules of the tasks that do not point at a group:
	// name -> "port destination-field=value".
	outbound := func(r programtest.Result) map[string]string {
		got := map[string]string{}
		for _, rule := range r.ByType(programtest.TypeEgress) {
			if rule.In("referencedSecurityGroupId").Str() != "" || !strings.Contains(rule.Name, "-out-") {
				continue
			}
			if rule.In("ipProtocol").Str() != "tcp" || rule.In("fromPort").Num() != rule.In("toPort").Num() {
				t.Errorf("%s: %v; want one TCP port", rule.Name, rule.Inputs)
			}
			var dest []string
			for _, f := range []string{"cidrIpv4", "cidrIpv6", "prefixListId"} {
				if v := rule.In(f).Str(); v != "" {
					dest = append(dest, f+"="+v)
				}
			}
			got[rule.Name] = fmt.Sprintf("%d %s", int(rule.In("fromPort").Num()), strings.Join(dest, ","))
		}
		return got
	}
	for _, s := range runStacks(t) {
		want := map[string]string{
			s.cfg.Prefix() + "-web-out-443": "443 cidrIpv4=0.0.0.0/0",
			s.cfg.Prefix() + "-api-out-443": "443 cidrIpv4=0.0.0.0/0",
		}
		if got := outbound(s.r); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: outbound rules %v; want %v", s.name, got, want)
		}
	}

	key, list := committedServices(t, "prod")
	for _, svc := range list {
		switch svc["name"] {
		case "api":
			svc["outboundPorts"] = []int{443, 27017, 5439}
			svc["outboundDestinations"] = map[string][]string{
				"27017": {"203.0.113.0/24", "2001:db8::/32", "pl-0123456789abcdef0"},
				"5439":  {"anywhere"},
			}
		case "web":
			svc["outboundDestinations"] = map[string][]string{"443": {"pl-61a54008"}}
		}
	}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	r := programtest.MustRun(t, "prod", mockengine.Options{Config: map[string]string{key: string(b)}})
	want := map[string]string{
		"ecsite-prod-web-out-443-pl-61a54008":            "443 prefixListId=pl-61a54008",
		"ecsite-prod-api-out-443":                        "443 cidrIpv4=0.0.0.0/0",
		"ecsite-prod-api-out-27017-203-0-113-0-24":       "27017 cidrIpv4=203.0.113.0/24",
		"ecsite-prod-api-out-27017-2001-db8---32":        "27017 cidrIpv6=2001:db8::/32",
		"ecsite-prod-api-out-27017-pl-0123456789abcdef0": "27017 prefixListId=pl-0123456789abcdef0",
		"ecsite-prod-api-out-5439":                       "5439 cidrIpv4=0.0.0.0/0",
	}
	if got := outbound(r); !reflect.DeepEqual(got, want) {
		t.Errorf("outbound rules\n%v\nwant\n%v", got, want)
	}
	// Every rule belongs to its service's tasks' group.
	for name, svc := range map[string]string{"ecsite-prod-api-out-443": "api", "ecsite-prod-web-out-443-pl-61a54008": "web", "ecsite-prod-api-out-27017-pl-0123456789abcdef0": "api"} {
		group := r.One(t, programtest.TypeSecurityGroup, "ecsite-prod-"+svc+"-tasks").ID
		if got := r.One(t, programtest.TypeEgress, name).In("securityGroupId").Str(); got != group {
			t.Errorf("%s belongs to %s; want the %s tasks' group %s", name, got, svc, group)
		}
	}
}
