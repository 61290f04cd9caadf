package cost

import (
	"fmt"
	"regexp"
	"strconv"
)

// ExpectedMinutesTag is the task definition tag that holds how long one run of a job
// takes (jobs[].expectedMinutes); the program sets it on every job's task definition.
const ExpectedMinutesTag = "expected-minutes"

var ratePattern = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$`)

// runsPerMonth is how often a schedule fires in a month of hours: rate(N unit), or a
// cron expression that repeats every week (parseCron). Others are not estimated.
func runsPerMonth(expr string, hours float64) (float64, error) {
	if m := ratePattern.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]float64{"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[m[2]]
		return hours * 60 / (float64(n) * unit), nil
	}
	c, err := parseCron(expr)
	if err != nil {
		return 0, err
	}
	fires := 0
	for m := 0; m < minutesPerWeek; m++ {
		if c.fires(m) {
			fires++
		}
	}
	return float64(fires) * hours / (minutesPerWeek / 60.0), nil
}

// jobs prices every scheduled job's runs on on-demand Fargate, as the schedules run
// them: runs a month × the expected minutes of a run × the task's vCPU and GB price.
// Scheduler invocations themselves are not charged within the free 14 million a month
// (https://aws.amazon.com/eventbridge/pricing/).
func (e *estimator) jobs() {
	for _, s := range e.ofType("aws:scheduler/schedule:Schedule") {
		td := e.m.ByID(s.In("target.ecsParameters.taskDefinitionArn").Str())
		if td == nil {
			e.unpriced(s, "its task definition is not in the stack")
			continue
		}
		cpu, ok1 := number(td.In("cpu"))
		mem, ok2 := number(td.In("memory"))
		minutes, err := strconv.ParseFloat(td.In("tags."+ExpectedMinutesTag).Str(), 64)
		if !ok1 || !ok2 || err != nil || minutes <= 0 {
			e.unpriced(s, "task definition without cpu, memory or an "+ExpectedMinutesTag+" tag")
			continue
		}
		runs, err := runsPerMonth(s.In("scheduleExpression").Str(), e.hours)
		if err != nil {
			e.unpriced(s, err.Error())
			continue
		}
		pv, pg, arch := e.r.get("fargate.vcpuHour"), e.r.get("fargate.gbHour"), "x86"
		if td.In("runtimePlatform.cpuArchitecture").Str() == "ARM64" {
			pv, pg, arch = e.r.get("fargate.armVcpuHour"), e.r.get("fargate.armGbHour"), "ARM64"
		}
		vcpu, gb := cpu/1024, mem/1024
		taskHours := runs * minutes / 60
		name := s.In("name").Str()
		if name == "" {
			name = s.Name
		}
		e.add("Fargate", name+" runs", fmt.Sprintf("%s runs × %s min = %s task-h × (%s vCPU × %s + %s GB × %s, %s)",
			num(runs), num(minutes), num(taskHours), num(vcpu), money(pv), num(gb), money(pg), arch), taskHours*(vcpu*pv+gb*pg))
	}
}
