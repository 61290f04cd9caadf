package compute

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// JobTimezone is the time zone every job's schedule is read in.
const JobTimezone = ScheduleTimezone

// MaxJobNameLength bounds jobs[].name: the job's roles are auto-named
// "<project>-<environment>-job-<name>-execution" plus Pulumi's 8-character suffix, and
// IAM allows 64 characters
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
const MaxJobNameLength = 20

// JobSettings is one scheduled job: a task of a service's image with its own command,
// run by EventBridge Scheduler; an element of key "jobs".
type JobSettings struct {
	// Name identifies the job in resource names: 1-20 lowercase letters, digits or
	// hyphens, starting with a letter. Required.
	Name string `json:"name"`
	// Service names the service whose image (repository and tag or digest) the job runs,
	// so an image release moves the job with it. Required.
	Service string `json:"service"`
	// Command replaces the image's command. Required.
	Command []string `json:"command"`
	// Schedule is cron(minutes hours day-of-month month day-of-week year) or
	// rate(N minutes|hours|days), read in Asia/Tokyo. Required.
	Schedule string `json:"schedule"`
	// Cpu is the task CPU in units (1024 = 1 vCPU). Optional. Defaults to 256.
	Cpu int `json:"cpu"`
	// Memory is the task memory in MiB. Optional. Defaults to 512.
	Memory int `json:"memory"`
	// Database is the job's access to the database, as services[].database: none,
	// writer, reader or both. Optional. Defaults to none.
	Database string `json:"database"`
	// Secrets are further SSM parameters of the stack the job reads. Optional. Defaults to none.
	Secrets []string `json:"secrets"`
	// Environment are plain environment variables. NODE_ENV is always "production".
	// Optional. Defaults to none.
	Environment map[string]string `json:"environment"`
	// TaskPermissions are IAM statements granted to the job's task role, with the rules
	// of services[].taskPermissions. Optional. Defaults to none.
	TaskPermissions []Permission `json:"taskPermissions"`
	// LogRetentionDays is the retention of the job's log group. Optional. Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// ExpectedMinutes is how long one run takes, for the cost estimate. Optional.
	// Defaults to 10.
	ExpectedMinutes int `json:"expectedMinutes"`
}

// DefaultJobSettings are the defaults a stack's job is merged over.
func DefaultJobSettings() JobSettings {
	return JobSettings{
		Cpu:              256,
		Memory:           512,
		Database:         "none",
		Secrets:          []string{},
		Environment:      map[string]string{},
		TaskPermissions:  []Permission{},
		LogRetentionDays: 90,
		ExpectedMinutes:  10,
	}
}

var jobNamePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// Check records the problems of one job that need no other key; p is scoped under its
// element of "jobs". That the service and the secrets exist, and the database setting,
// are the caller's checks (they span keys).
func (j JobSettings) Check(p *check.Problems) {
	if len(j.Name) > MaxJobNameLength || !jobNamePattern.MatchString(j.Name) {
		p.Addf("name", "%q must be 1-%d lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen", j.Name, MaxJobNameLength)
	}
	if j.Service == "" {
		p.Addf("service", "is empty; name the service whose image the job runs")
	}
	if len(j.Command) == 0 {
		p.Addf("command", "is empty; a job runs its own command, such as [\"node\", \"dist/jobs/nightly.js\"]")
	}
	for i, part := range j.Command {
		if part == "" {
			p.Addf(fmt.Sprintf("command[%d]", i), "is empty; every part of the command is one non-empty argument")
		}
	}
	if msg := CheckJobSchedule(j.Schedule); msg != "" {
		p.Addf("schedule", "%q %s", j.Schedule, msg)
	}
	checkTaskSize(p, j.Cpu, j.Memory)
	p.Retention("logRetentionDays", j.LogRetentionDays)
	if j.ExpectedMinutes < 1 || j.ExpectedMinutes > 24*60 {
		p.Addf("expectedMinutes", "%d is outside 1-1440 (one run's expected duration in minutes, for the cost estimate)", j.ExpectedMinutes)
	}
	// A job is called by nothing and calls nothing: no <NAME>_INTERNAL_URL.
	checkEnvironment(p, j.Environment, j.Secrets, nil)
	for i, perm := range j.TaskPermissions {
		perm.Check(p.Under(fmt.Sprintf("taskPermissions[%d]", i)))
	}
}

// CheckJobSchedule returns what is wrong with a job's schedule expression, or "".
// EventBridge Scheduler takes cron(minutes hours day-of-month month day-of-week year),
// with ? in one of the day fields, and rate(value unit), and reads both in the
// schedule's time zone, here always Asia/Tokyo
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html). A
// one-time at() is not a recurring job, and a time zone cannot be written into the
// expression.
func CheckJobSchedule(expr string) string {
	switch {
	case strings.HasPrefix(expr, "at("):
		return "is a one-time schedule; a job recurs: use cron(...) or rate(...)"
	case strings.ContainsAny(expr, "Z+") || strings.Contains(expr, "UTC") || strings.Contains(expr, "TZ="):
		return "names a time zone; every job's schedule is read in " + JobTimezone + ", so write the time as it is in Tokyo (03:00 JST is cron(0 3 * * ? *))"
	}
	if msg := checkSchedule(expr); msg != "" {
		return strings.Replace(msg, "at(yyyy-mm-ddThh:mm:ss) or ", "", 1) + " (read in " + JobTimezone + ")"
	}
	return ""
}
