package compute

import (
	"fmt"

	"github.com/ecsite/infra/internal/check"
)

// MigrationSettings is the schema migration task; key "migration". The deploy workflows
// run it, and wait for it to succeed, before the services move to a new image.
type MigrationSettings struct {
	// Service names the service whose image, secrets and database access the task has;
	// its database setting must include the writer. Optional. Defaults to "api".
	Service string `json:"service"`
	// Command replaces the image's command; an empty list means no migration task.
	// Optional. Defaults to ["npx","prisma","migrate","deploy"].
	Command []string `json:"command"`
	// Cpu is the task CPU in units (1024 = 1 vCPU). Optional. Defaults to 512.
	Cpu int `json:"cpu"`
	// Memory is the task memory in MiB. Optional. Defaults to 1024.
	Memory int `json:"memory"`
	// LogRetentionDays is the retention of the task's log group. Optional. Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
}

// DefaultMigrationSettings runs Prisma's migrate deploy in the api's image.
func DefaultMigrationSettings() MigrationSettings {
	return MigrationSettings{
		Service:          "api",
		Command:          []string{"npx", "prisma", "migrate", "deploy"},
		Cpu:              512,
		Memory:           1024,
		LogRetentionDays: 90,
	}
}

// Enabled reports whether the stack has a migration task.
func (m MigrationSettings) Enabled() bool { return len(m.Command) > 0 }

// Check records the problems of the migration settings that need no other key; p is
// scoped under "migration". That the service exists and may write to the database is
// the caller's check (it spans keys).
func (m MigrationSettings) Check(p *check.Problems) {
	for i, part := range m.Command {
		if part == "" {
			p.Addf(fmt.Sprintf("command[%d]", i), "is empty; every part of the command is one non-empty argument")
		}
	}
	checkTaskSize(p, m.Cpu, m.Memory)
	p.Retention("logRetentionDays", m.LogRetentionDays)
}

// checkTaskSize records a cpu and memory pair Fargate does not offer.
func checkTaskSize(p *check.Problems, cpu, memory int) {
	if !check.OneOf(cpu, FargateCPUs) {
		p.Addf("cpu", "%d is not a Fargate task CPU; use one of %s", cpu, check.Join(FargateCPUs))
	} else if !fargateMemory(cpu, memory) {
		p.Addf("memory", "%d MiB is not offered by Fargate with cpu %d (see the Fargate task size table)", memory, cpu)
	}
}
