package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// Line is one priced item of the estimate.
type Line struct {
	// Service groups lines in the report ("NAT gateway", "Fargate", "Aurora").
	Service string
	// Item names what is priced; it does not depend on the usage assumptions, so the
	// lines of two estimates of one stack pair up by Service and Item.
	Item string
	// Basis shows the arithmetic: quantity × price.
	Basis string
	// USD is the monthly cost.
	USD float64
}

// Key identifies the line across estimates of the same stack.
func (l Line) Key() string { return l.Service + "|" + l.Item }

// Estimate is the monthly cost of one stack under one set of usage assumptions.
type Estimate struct {
	// Usage is the month assumed.
	Usage Usage
	// Lines are the priced items in a fixed order.
	Lines []Line
	// Unpriced lists resources of a priced type whose settings the estimator cannot
	// price (an instance type missing from the table, a schedule that does not repeat
	// weekly); their cost is not in the total.
	Unpriced []string
	// Unclassified lists resource types that are neither priced nor free.
	Unclassified []string
}

// Total is the sum of the lines.
func (e *Estimate) Total() float64 {
	t := 0.0
	for _, l := range e.Lines {
		t += l.USD
	}
	return t
}

// ByService returns the monthly cost per service, and the services in line order.
func (e *Estimate) ByService() (map[string]float64, []string) {
	sum := map[string]float64{}
	var order []string
	for _, l := range e.Lines {
		if _, ok := sum[l.Service]; !ok {
			order = append(order, l.Service)
		}
		sum[l.Service] += l.USD
	}
	return sum, order
}

// New estimates the month u for the resources recorded in m at the given prices.
func New(m *mockengine.Mocks, prices []Price, u Usage) (*Estimate, error) {
	r, err := newRates(prices)
	if err != nil {
		return nil, err
	}
	e := &estimator{m: m, r: r, u: u, all: m.Resources(), est: &Estimate{Usage: u}, taskMinutes: make([]bool, minutesPerWeek)}
	e.hours = r.get("month.hours")
	e.est.Unclassified = Classify(m.Types())
	e.network()
	e.loadBalancers()
	e.fargate()
	e.jobs()
	e.aurora()
	e.waf()
	e.cloudFront()
	e.cdnLogs()
	e.cloudWatch()
	e.storage()
	e.instances()
	if err := r.err(); err != nil {
		return nil, err
	}
	sort.Strings(e.est.Unpriced)
	return e.est, nil
}

type estimator struct {
	m     *mockengine.Mocks
	r     *rates
	u     Usage
	all   []*mockengine.Resource
	hours float64
	est   *Estimate
	// taskMinutes marks the minutes of a week at which at least one ECS task of the
	// stack runs; fargate fills it, aurora reads it.
	taskMinutes []bool
}

func (e *estimator) ofType(typ string) []*mockengine.Resource {
	var out []*mockengine.Resource
	for _, r := range e.all {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func (e *estimator) add(service, item, basis string, usd float64) {
	e.est.Lines = append(e.est.Lines, Line{Service: service, Item: item, Basis: basis, USD: usd})
}

func (e *estimator) unpriced(r *mockengine.Resource, why string) {
	e.est.Unpriced = append(e.est.Unpriced, fmt.Sprintf("%s %s: %s", r.Type, r.Name, why))
}

// money formats a price or amount compactly and deterministically.
func money(v float64) string { return "$" + strconv.FormatFloat(v, 'f', -1, 64) }

// num formats a quantity with at most two decimals.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// number reads a numeric input that the provider accepts as a number or a string
// ("512" for task cpu).
func number(v mockengine.Value) (float64, bool) {
	if v.Null() {
		return 0, false
	}
	if s := v.Str(); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return v.Num(), true
}

func (e *estimator) network() {
	nats := e.ofType("aws:ec2/natGateway:NatGateway")
	for _, n := range nats {
		p := e.r.get("nat.hour")
		e.add("NAT gateway", n.Name+" hours", fmt.Sprintf("%s h × %s", num(e.hours), money(p)), e.hours*p)
	}
	if len(nats) > 0 {
		p := e.r.get("nat.gb")
		e.add("NAT gateway", "data processed (all gateways)", fmt.Sprintf("%s GB × %s", num(e.u.NATGB), money(p)), e.u.NATGB*p)
	}
	for _, ip := range e.ofType("aws:ec2/eip:Eip") {
		p := e.r.get("ipv4.hour")
		e.add("Public IPv4", ip.Name+" (Elastic IP)", fmt.Sprintf("%s h × %s", num(e.hours), money(p)), e.hours*p)
	}
	for _, ep := range e.ofType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		if !strings.EqualFold(ep.In("vpcEndpointType").Str(), "Interface") {
			continue // gateway endpoints are free
		}
		azs := float64(ep.In("subnetIds").Len())
		ph, pg := e.r.get("endpoint.azHour"), e.r.get("endpoint.gb")
		e.add("VPC endpoints", ep.Name+" (interface)",
			fmt.Sprintf("%s AZ × %s h × %s + %s GB × %s", num(azs), num(e.hours), money(ph), num(e.u.EndpointGB), money(pg)),
			azs*e.hours*ph+e.u.EndpointGB*pg)
	}
}

func (e *estimator) loadBalancers() {
	for _, lb := range e.ofType("aws:lb/loadBalancer:LoadBalancer") {
		if t := lb.In("loadBalancerType").Str(); t != "" && t != "application" {
			e.unpriced(lb, "only application load balancers are priced, not "+t)
			continue
		}
		ph, pl := e.r.get("alb.hour"), e.r.get("alb.lcuHour")
		e.add("Load balancer", lb.Name+" hours", fmt.Sprintf("%s h × %s", num(e.hours), money(ph)), e.hours*ph)
		e.add("Load balancer", lb.Name+" LCUs", fmt.Sprintf("%s LCU × %s h × %s", num(e.u.LCU), num(e.hours), money(pl)), e.u.LCU*e.hours*pl)
		if lb.In("internal").Bool() {
			continue
		}
		nodes := lb.In("subnets").Len()
		if n := lb.In("subnetMappings").Len(); n > nodes {
			nodes = n
		}
		p := e.r.get("ipv4.hour")
		e.add("Public IPv4", lb.Name+" (one per AZ)", fmt.Sprintf("%d × %s h × %s", nodes, num(e.hours), money(p)), float64(nodes)*e.hours*p)
	}
}

// strategy is one capacity-provider entry of a service or cluster default.
type strategy struct {
	provider     string
	weight, base float64
}

// strategies reads the capacity-provider strategy at path of r.
func strategies(r *mockengine.Resource, path string) []strategy {
	var out []strategy
	for i := 0; i < r.In(path).Len(); i++ {
		at := func(field string) mockengine.Value { return r.In(fmt.Sprintf("%s[%d].%s", path, i, field)) }
		out = append(out, strategy{provider: at("capacityProvider").Str(), weight: at("weight").Num(), base: at("base").Num()})
	}
	return out
}

// spotTasks returns how many of n tasks a strategy places on FARGATE_SPOT: base tasks
// first, the rest split by weight.
func spotTasks(n float64, ss []strategy) float64 {
	if len(ss) == 0 {
		return 0
	}
	spot, rest := 0.0, n
	for _, s := range ss {
		if s.base > 0 {
			b := math.Min(s.base, rest)
			if s.provider == "FARGATE_SPOT" {
				spot += b
			}
			rest -= b
		}
	}
	total, spotWeight := 0.0, 0.0
	for _, s := range ss {
		total += s.weight
		if s.provider == "FARGATE_SPOT" {
			spotWeight += s.weight
		}
	}
	if total > 0 {
		spot += rest * spotWeight / total
	}
	return spot
}

func (e *estimator) fargate() {
	for _, svc := range e.ofType("aws:ecs/service:Service") {
		if lt := svc.In("launchType").Str(); lt != "" && lt != "FARGATE" {
			e.unpriced(svc, "launch type "+lt+" is not priced")
			continue
		}
		td := e.m.ByID(svc.In("taskDefinition").Str())
		if td == nil {
			e.unpriced(svc, "its task definition is not in the stack")
			continue
		}
		cpu, ok1 := number(td.In("cpu"))
		mem, ok2 := number(td.In("memory"))
		if !ok1 || !ok2 {
			e.unpriced(svc, "task definition without task-level cpu and memory")
			continue
		}
		vcpu, gb := cpu/1024, mem/1024
		name := svc.Out("name").Str()
		if name == "" {
			name = svc.Name
		}

		desired := svc.In("desiredCount").Num()
		min0, max0 := desired, desired
		var changes []capacityChange
		resourceSuffix := "/" + name
		for _, t := range e.ofType("aws:appautoscaling/target:Target") {
			if strings.HasSuffix(t.In("resourceId").Str(), resourceSuffix) && t.In("serviceNamespace").Str() == "ecs" {
				min0, max0 = t.In("minCapacity").Num(), t.In("maxCapacity").Num()
			}
		}
		broken := false
		for _, a := range e.ofType("aws:appautoscaling/scheduledAction:ScheduledAction") {
			if !strings.HasSuffix(a.In("resourceId").Str(), resourceSuffix) || a.In("serviceNamespace").Str() != "ecs" {
				continue
			}
			spec, err := parseCron(a.In("schedule").Str())
			if err != nil {
				e.unpriced(a, err.Error())
				broken = true
				continue
			}
			c := capacityChange{when: spec}
			if v := a.In("scalableTargetAction.minCapacity"); !v.Null() {
				f, _ := number(v)
				c.min = &f
			}
			if v := a.In("scalableTargetAction.maxCapacity"); !v.Null() {
				f, _ := number(v)
				c.max = &f
			}
			changes = append(changes, c)
		}
		if broken {
			continue
		}

		ss := strategies(svc, "capacityProviderStrategies")
		if len(ss) == 0 && svc.In("launchType").Str() == "" {
			ss = e.clusterDefaultStrategy(svc)
		}
		mins, maxs := weeklyCapacity(min0, max0, changes)
		odMin, spotMin := 0.0, 0.0
		for i := range mins {
			n := mins[i] + e.u.TaskScale*(maxs[i]-mins[i])
			if n > 0 {
				e.taskMinutes[i] = true
			}
			s := spotTasks(n, ss)
			spotMin += s
			odMin += n - s
		}
		scale := e.hours / (minutesPerWeek / 60.0) // weekly task-minutes → monthly task-hours
		odHours, spotHours := odMin/60*scale, spotMin/60*scale
		pv, pg, disc := e.r.get("fargate.vcpuHour"), e.r.get("fargate.gbHour"), e.r.get("fargate.spotDiscount")
		arch := "x86"
		if td.In("runtimePlatform.cpuArchitecture").Str() == "ARM64" {
			// Graviton tasks: the same model at the ARM price.
			pv, pg, arch = e.r.get("fargate.armVcpuHour"), e.r.get("fargate.armGbHour"), "ARM64"
		}
		perTaskHour := vcpu*pv + gb*pg
		usd := odHours*perTaskHour + spotHours*perTaskHour*(1-disc)
		basis := fmt.Sprintf("%s task-h on-demand + %s task-h Spot (−%s%%) × (%s vCPU × %s + %s GB × %s, %s)",
			num(odHours), num(spotHours), num(disc*100), num(vcpu), money(pv), num(gb), money(pg), arch)
		e.add("Fargate", name+" tasks", basis, usd)
	}
}

// clusterDefaultStrategy returns the default capacity-provider strategy of the
// service's cluster, if the stack sets one.
func (e *estimator) clusterDefaultStrategy(svc *mockengine.Resource) []strategy {
	cluster := e.m.ByID(svc.In("cluster").Str())
	if cluster == nil {
		return nil
	}
	for _, cp := range e.ofType("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders") {
		if cp.In("clusterName").Str() == cluster.Out("name").Str() {
			return strategies(cp, "defaultCapacityProviderStrategies")
		}
	}
	return nil
}

func (e *estimator) aurora() {
	for _, c := range e.ofType("aws:rds/cluster:Cluster") {
		id := c.Out("clusterIdentifier").Str()
		if id == "" {
			id = c.ID
		}
		ps, pio, pb := e.r.get("aurora.storageGBMonth"), e.r.get("aurora.ioMillion"), e.r.get("aurora.backupGBMonth")
		e.add("Aurora", c.Name+" storage", fmt.Sprintf("%s GB × %s", num(e.u.AuroraStorageGB), money(ps)), e.u.AuroraStorageGB*ps)
		e.add("Aurora", c.Name+" I/O", fmt.Sprintf("%s M requests × %s", num(e.u.AuroraIOMillions), money(pio)), e.u.AuroraIOMillions*pio)
		retention := c.In("backupRetentionPeriod").Num()
		if c.In("backupRetentionPeriod").Null() {
			retention = 1
		}
		backup := e.u.AuroraStorageGB * e.u.BackupDailyChange * retention
		e.add("Aurora", c.Name+" backup beyond the free amount",
			fmt.Sprintf("%s GB × %s%%/day × %s days × %s", num(e.u.AuroraStorageGB), num(e.u.BackupDailyChange*100), num(retention), money(pb)),
			backup*pb)

		minACU := c.In("serverlessv2ScalingConfiguration.minCapacity").Num()
		maxACU := c.In("serverlessv2ScalingConfiguration.maxCapacity").Num()
		autoPause := minACU == 0 && !c.In("serverlessv2ScalingConfiguration.secondsUntilAutoPause").Null()
		for _, inst := range e.ofType("aws:rds/clusterInstance:ClusterInstance") {
			if inst.In("clusterIdentifier").Str() != id {
				continue
			}
			if inst.In("instanceClass").Str() != "db.serverless" {
				e.unpriced(inst, "instance class "+inst.In("instanceClass").Str()+" is not priced")
				continue
			}
			if c.In("serverlessv2ScalingConfiguration").Null() {
				e.unpriced(inst, "db.serverless instance in a cluster without Serverless v2 scaling")
				continue
			}
			acu := math.Min(math.Max(e.u.AuroraACU, minACU), maxACU)
			if acu < 0.5 {
				acu = 0.5 // a running instance never has less than 0.5 ACU
			}
			running, why := 1.0, ""
			if autoPause {
				running = 1 - e.u.PausedShare
				if e.u.AwakeWhileTasksRun {
					if share := e.taskShare(); share > running {
						running, why = share, " (awake while a task runs)"
					}
				}
			}
			p := e.r.get("aurora.acuHour")
			e.add("Aurora", inst.Name+" capacity",
				fmt.Sprintf("%s ACU × %s h × %s%% running%s × %s", num(acu), num(e.hours), num(running*100), why, money(p)),
				acu*e.hours*running*p)
			if inst.In("performanceInsightsEnabled").Bool() {
				days := inst.In("performanceInsightsRetentionPeriod").Num()
				if days == 0 || days == 7 {
					e.add("Aurora", inst.Name+" Performance Insights", "7-day retention: free tier", 0)
				} else {
					e.unpriced(inst, fmt.Sprintf("Performance Insights retention %s days is beyond the free tier and not priced", num(days)))
				}
			}
		}
	}
}

// taskShare is the share of the week during which at least one ECS task runs.
func (e *estimator) taskShare() float64 {
	n := 0
	for _, on := range e.taskMinutes {
		if on {
			n++
		}
	}
	return float64(n) / minutesPerWeek
}

// wafRules counts the rules of a web ACL, given as rules or as ruleJson.
func wafRules(acl *mockengine.Resource) int {
	if s := acl.In("ruleJson").Str(); s != "" {
		var rules []json.RawMessage
		if err := json.Unmarshal([]byte(s), &rules); err == nil {
			return len(rules)
		}
	}
	return acl.In("rules").Len()
}

func (e *estimator) waf() {
	for _, acl := range e.ofType("aws:wafv2/webAcl:WebAcl") {
		n := float64(wafRules(acl))
		pa, pr, pq := e.r.get("waf.aclMonth"), e.r.get("waf.ruleMonth"), e.r.get("waf.millionRequests")
		e.add("WAF", acl.Name+" web ACL", money(pa), pa)
		e.add("WAF", acl.Name+" rules", fmt.Sprintf("%s rules × %s", num(n), money(pr)), n*pr)
		e.add("WAF", acl.Name+" requests", fmt.Sprintf("%s M requests × %s", num(e.u.Requests/1e6), money(pq)), e.u.Requests/1e6*pq)
	}
}

// cdnLogBytesPerRequest is the size assumed for one CloudFront standard log record in
// JSON with the default fields, a user agent and a referrer: an assumption, used only to
// turn requests into GB.
const cdnLogBytesPerRequest = 800

// cdnLogs prices each CloudFront standard log delivery: one record per request, delivered
// to S3 as vended logs (the bucket's storage is priced with the bucket).
func (e *estimator) cdnLogs() {
	for _, d := range e.ofType("aws:cloudwatch/logDelivery:LogDelivery") {
		gb := e.u.Requests * cdnLogBytesPerRequest / 1e9
		p := e.r.get("logs.vendedS3GB")
		e.add("CloudWatch", d.Name+" CloudFront standard logs", fmt.Sprintf("%s GB (%s M requests) × %s", num(gb), num(e.u.Requests/1e6), money(p)), gb*p)
	}
}

// cloudFront prices each distribution's requests and data transfer out beyond the
// always-free tier (per account and month; the estimate gives it to each distribution,
// and a stack has one), at the Japan edge rates: PriceClass_200 serves Japanese viewers
// from Japan. Origin fetches from the ALB and S3 and VPC origins cost nothing.
func (e *estimator) cloudFront() {
	for _, d := range e.ofType("aws:cloudfront/distribution:Distribution") {
		freeReq, pr := e.r.get("cloudfront.freeRequests"), e.r.get("cloudfront.jp10kHttpsRequests")
		billed := math.Max(0, e.u.Requests-freeReq)
		e.add("CloudFront", d.Name+" requests",
			fmt.Sprintf("(%s M − %s M free) requests / 10,000 × %s", num(e.u.Requests/1e6), num(freeReq/1e6), money(pr)), billed/10_000*pr)
		freeGB, pg := e.r.get("cloudfront.freeGB"), e.r.get("cloudfront.jpGB")
		gb := math.Max(0, e.u.CdnGB-freeGB)
		e.add("CloudFront", d.Name+" data transfer out",
			fmt.Sprintf("(%s GB − %s GB free) × %s", num(e.u.CdnGB), num(freeGB), money(pg)), gb*pg)
	}
}

// alarmMetrics returns how many metrics an alarm is billed for and whether it is high
// resolution (period under 60 s).
func alarmMetrics(a *mockengine.Resource) (int, bool) {
	q := a.In("metricQueries")
	if q.Len() == 0 {
		return 1, !a.In("period").Null() && a.In("period").Num() < 60
	}
	n, high := 0, false
	for i := 0; i < q.Len(); i++ {
		m := a.In(fmt.Sprintf("metricQueries[%d].metric", i))
		if m.Null() {
			continue
		}
		n++
		if p := a.In(fmt.Sprintf("metricQueries[%d].metric.period", i)); !p.Null() && p.Num() < 60 {
			high = true
		}
	}
	return n, high
}

func (e *estimator) cloudWatch() {
	alarms := e.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(alarms) > 0 {
		std, high := 0, 0
		for _, a := range alarms {
			n, h := alarmMetrics(a)
			if h {
				high += n
			} else {
				std += n
			}
		}
		p := e.r.get("cw.alarmMetricMonth")
		e.add("CloudWatch", fmt.Sprintf("%d metric alarms", len(alarms)), fmt.Sprintf("%d alarm metrics × %s", std, money(p)), float64(std)*p)
		if high > 0 {
			ph := e.r.get("cw.highResAlarmMetricMonth")
			e.add("CloudWatch", "high-resolution alarm metrics", fmt.Sprintf("%d × %s", high, money(ph)), float64(high)*ph)
		}
	}
	if n := len(e.ofType("aws:cloudwatch/compositeAlarm:CompositeAlarm")); n > 0 {
		p := e.r.get("cw.compositeAlarmMonth")
		e.add("CloudWatch", fmt.Sprintf("%d composite alarms", n), fmt.Sprintf("%d × %s", n, money(p)), float64(n)*p)
	}
	for _, d := range e.ofType("aws:cloudwatch/dashboard:Dashboard") {
		p := e.r.get("cw.dashboardMonth")
		e.add("CloudWatch", d.Name+" dashboard", money(p), p)
	}
	groups := e.ofType("aws:cloudwatch/logGroup:LogGroup")
	if len(groups) > 0 {
		pi, ps := e.r.get("cw.logIngestGB"), e.r.get("cw.logStoreGBMonth")
		e.add("CloudWatch", fmt.Sprintf("log ingestion (%d log groups)", len(groups)), fmt.Sprintf("%s GB × %s", num(e.u.LogGB), money(pi)), e.u.LogGB*pi)
		// In steady state a group keeps retention/30 months of its share of the data.
		stored := 0.0
		for _, g := range groups {
			days := g.In("retentionInDays").Num()
			if days == 0 {
				days = e.u.NeverExpireLogDays
			}
			stored += e.u.LogGB / float64(len(groups)) * days / 30
		}
		e.add("CloudWatch", "log storage", fmt.Sprintf("%s GB kept at steady state × %s", num(stored), money(ps)), stored*ps)
	}
	for _, c := range e.ofType("aws:ecs/cluster:Cluster") {
		insights := false
		for i := 0; i < c.In("settings").Len(); i++ {
			if c.In(fmt.Sprintf("settings[%d].name", i)).Str() == "containerInsights" {
				v := c.In(fmt.Sprintf("settings[%d].value", i)).Str()
				insights = v == "enabled" || v == "enhanced"
			}
		}
		if !insights {
			continue
		}
		services := 0
		for _, s := range e.ofType("aws:ecs/service:Service") {
			ref := s.In("cluster").Str()
			if ref != "" && (ref == c.ID || ref == c.Out("arn").Str() || ref == c.Out("name").Str()) {
				services++
			}
		}
		metrics := e.u.InsightsMetricsPerCluster + e.u.InsightsMetricsPerService*float64(services)
		p := e.r.get("cw.customMetricMonth")
		e.add("CloudWatch", c.Name+" Container Insights", fmt.Sprintf("%s metrics (%d services) × %s", num(metrics), services, money(p)), metrics*p)
	}
}

func (e *estimator) storage() {
	for _, k := range e.ofType("aws:kms/key:Key") {
		p := e.r.get("kms.keyMonth")
		e.add("KMS", k.Name+" key", money(p), p)
	}
	for _, ps := range e.ofType("aws:ssm/parameter:Parameter") {
		if ps.In("tier").Str() == "Advanced" {
			p := e.r.get("ssm.advancedParamMonth")
			e.add("SSM", ps.Name+" advanced parameter", money(p), p)
		}
	}
	for _, repo := range e.ofType("aws:ecr/repository:Repository") {
		p := e.r.get("ecr.gbMonth")
		e.add("ECR", repo.Name+" images", fmt.Sprintf("%s GB × %s", num(e.u.ECRGBPerRepository), money(p)), e.u.ECRGBPerRepository*p)
	}
	for _, typ := range []string{"aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"} {
		for _, b := range e.ofType(typ) {
			p := e.r.get("s3.gbMonth")
			e.add("S3", b.Name+" storage", fmt.Sprintf("%s GB × %s", num(e.u.S3GBPerBucket), money(p)), e.u.S3GBPerBucket*p)
		}
	}
}

func (e *estimator) instances() {
	for _, inst := range e.ofType("aws:ec2/instance:Instance") {
		typ := inst.In("instanceType").Str()
		key := "ec2." + typ
		if !e.r.has(key) {
			e.unpriced(inst, "instance type "+typ+" is not in the price table")
			continue
		}
		p := e.r.get(key)
		e.add("EC2", inst.Name+" "+typ, fmt.Sprintf("%s h × %s", num(e.hours), money(p)), e.hours*p)
		size := inst.In("rootBlockDevice.volumeSize").Num()
		if size == 0 {
			size = 8 // the Amazon Linux 2023 AMI's root volume
		}
		pv := e.r.get("ebs.gp3GBMonth")
		e.add("EC2", inst.Name+" root volume", fmt.Sprintf("%s GB × %s", num(size), money(pv)), size*pv)
		if inst.In("associatePublicIpAddress").Bool() {
			pi := e.r.get("ipv4.hour")
			e.add("Public IPv4", inst.Name+" (instance)", fmt.Sprintf("%s h × %s", num(e.hours), money(pi)), e.hours*pi)
		}
	}
	e.autoScalingGroups()
}

// autoScalingGroups prices the desired instances of each Auto Scaling group from its
// launch template: instance-hours, the root volume and the primary interface's public
// IPv4 address. Groups whose name says nat-instance are the NAT instances; AWS charges
// them no data processing (unlike NAT gateways), only data transfer, which is not
// estimated.
func (e *estimator) autoScalingGroups() {
	natInstances := 0
	for _, g := range e.ofType("aws:autoscaling/group:Group") {
		lt := e.m.ByID(g.In("launchTemplate.id").Str())
		if lt == nil || lt.Type != "aws:ec2/launchTemplate:LaunchTemplate" {
			e.unpriced(g, "its launch template is not in the stack")
			continue
		}
		typ := lt.In("instanceType").Str()
		key := "ec2." + typ
		if !e.r.has(key) {
			e.unpriced(g, "instance type "+typ+" is not in the price table")
			continue
		}
		n := g.In("desiredCapacity").Num()
		if g.In("desiredCapacity").Null() {
			n = g.In("minSize").Num()
		}
		service := "EC2"
		if strings.Contains(g.Name, "nat-instance") {
			service = "NAT instance"
			natInstances++
		}
		p := e.r.get(key)
		e.add(service, g.Name+" "+typ, fmt.Sprintf("%s × %s h × %s", num(n), num(e.hours), money(p)), n*e.hours*p)
		size := lt.In("blockDeviceMappings[0].ebs.volumeSize").Num()
		if size == 0 {
			size = 8 // the Amazon Linux 2023 AMI's root volume
		}
		pv := e.r.get("ebs.gp3GBMonth")
		e.add(service, g.Name+" root volume", fmt.Sprintf("%s × %s GB × %s", num(n), num(size), money(pv)), n*size*pv)
		if lt.In("networkInterfaces[0].associatePublicIpAddress").Str() == "true" {
			pi := e.r.get("ipv4.hour")
			e.add("Public IPv4", g.Name+" (instance)", fmt.Sprintf("%s × %s h × %s", num(n), num(e.hours), money(pi)), n*e.hours*pi)
		}
	}
	if natInstances > 0 {
		e.add("NAT instance", "data processed (all instances)", "no processing charge; data transfer out is not estimated", 0)
	}
}
