#!/usr/bin/env bash
# Runs a stack's schema migration (the migration task: the migrating service's image with
# the migration command, `npx prisma migrate deploy` by default) and waits for it, so that
# the services move to a new image only once the schema is ready for it. Both deploy
# workflows call it before `pulumi up`; a person deploying from a workstation runs the same
# (docs/operations.md, "Schema migrations").
#
# Usage: run-migration.sh [--after-update] <stack>
#
# Before the update (no flag):
#   1. reads the stack's state (`pulumi stack export`): the `migration` stack output and the
#      task definition it names (type aws:ecs/taskDefinition:TaskDefinition, name
#      <prefix>-migrate);
#   2. `pulumi up --target <its URN>`: only the migration task definition gets its new
#      revision (the new image and command), with the resources it needs that this release
#      creates (below, targeted_update); every other resource, the services included,
#      keeps its state. "--target: restricts the operation to only the resources whose URNs
#      match"; the inputs it takes from other resources are the values recorded in the
#      state (https://www.pulumi.com/docs/iac/operations/stack-management/targeted-updates/).
#      The root stack resource is not targeted, so the `migration` output may still name
#      the previous revision: the new ARN is read from the task definition's own state;
#   3. runs one Fargate task of that revision in the private subnets, without a public IP,
#      started by "run-migration", and waits for it to stop;
#   4. checks the container's exit code (non-zero, or none because the container never
#      ran, is a failure), prints the task's log stream either way, and exits 1 on failure,
#      so that the workflow stops before the `pulumi up` that rolls the services.
#
# When the state holds no migration yet (a new stack, the first deploy of a stack that had
# no migration task, or a stack whose migration.command is empty) nothing can run before
# the update: the script says so, writes deferred=true to $GITHUB_OUTPUT when it is set,
# and exits 0. Run it again with --after-update once `pulumi up` is done.
#
# After the update (--after-update): runs the migration task definition the update
# deployed, without a targeted update. It skips, saying why, when the stack has no
# `migration` output (migration.command is empty) or when a service still waits for its
# first image (output servicesAwaitingImages: the images are not pushed yet; the next
# deploy migrates before the services start).
#
# Exit status: 0 migrated, or nothing to run; 1 the migration or its targeted update
# failed, or the task did not stop in time; 2 usage, or a state the script cannot read.
#
# Needs the Pulumi CLI (logged in to the stack's backend), the AWS CLI v2 and jq; the AWS
# permissions are in the generated deploy policy (internal/deploypolicy, "RunMigration").
# MIGRATION_WAIT_ROUNDS (default 3) bounds the wait: rounds of `aws ecs wait tasks-stopped`,
# which polls every 6 s and gives up after 100 checks, 10 minutes
# (https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/tasks-stopped.html).
set -euo pipefail

usage() { echo "usage: $0 [--after-update] <stack>" >&2; }

after=false
if [ "${1:-}" = "--after-update" ]; then
  after=true
  shift
fi
if [ $# -ne 1 ] || [ -z "$1" ]; then
  usage
  exit 2
fi
stack=$1
rounds=${MIGRATION_WAIT_ROUNDS:-3}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "::error::MIGRATION_WAIT_ROUNDS is \"$rounds\"; it must be a whole number of 10-minute rounds, 1 or more" >&2
  exit 2
fi
started_by="run-migration"

# export_state prints the stack's state; an unreadable one stops the script.
export_state() {
  local out
  if ! out=$(pulumi stack export --stack "$stack"); then
    echo "::error::pulumi stack export --stack $stack failed: is the CLI logged in to the stack's backend, and does the stack exist?" >&2
    exit 2
  fi
  printf '%s\n' "$out"
}

# migration_output prints the stack output `migration` of a state, or nothing.
migration_output() {
  jq -c '[.deployment.resources[]? | select(.type == "pulumi:pulumi:Stack" and .delete != true)][0].outputs.migration // empty' <<<"$1"
}

# awaiting_images prints the services of a state's output servicesAwaitingImages, or nothing.
awaiting_images() {
  jq -r '[.deployment.resources[]? | select(.type == "pulumi:pulumi:Stack" and .delete != true)][0].outputs.servicesAwaitingImages // [] | join(", ")' <<<"$1"
}

# find_resource <state> <type> <name> prints the URN and the "arn" output, tab-separated, of
# the live resource of that type and logical name (the URN's last segment), or nothing.
find_resource() {
  jq -r --arg t "$2" --arg n "$3" \
    '[.deployment.resources[]? | select(.type == $t and .delete != true and (.urn | endswith("::" + $n)))][0] // empty | [.urn, .outputs.arn // ""] | @tsv' <<<"$1"
}

defer() {
  echo "The state of $stack holds no migration task yet: a new stack, the first deploy with the migration task, or migration.command is empty."
  echo "Nothing can run before this update. Once pulumi up is done, run: $0 --after-update $stack"
  echo "(On this deploy the services start on the new image before the migration has run; docs/operations.md, \"Schema migrations\".)"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "deferred=true" >>"$GITHUB_OUTPUT"
  fi
}

# targeted_update <urn>: `pulumi up` of that resource alone. A resource the program has but
# the state lacks (a new secret's parameter, a new role) cannot be created by a targeted
# update of something that depends on it: Pulumi refuses the update, naming it
# (https://github.com/pulumi/pulumi/pull/17633). Such URNs, the ones in the failed
# update's output that the state does not hold, join the targets and the update is tried
# again, a few times at most (never with a service); any other failure stops the script.
targeted_update() {
  local targets=("$1") known log args new attempt t
  known=$(jq -r '.deployment.resources[]?.urn' <<<"$state")
  log=$(mktemp)
  for attempt in 1 2 3 4 5; do
    args=()
    for t in "${targets[@]}"; do args+=(--target "$t"); done
    echo "== pulumi up ${args[*]}"
    echo "   (the migration task definition and what it needs; the services keep their task definitions until the full update)"
    if pulumi up --stack "$stack" "${args[@]}" --yes --non-interactive --diff \
      --message "run-migration: the migration task definition only" 2>&1 | tee "$log"; then
      rm -f "$log"
      return 0
    fi
    # Never a service: the services move only with the full update.
    new=$(grep -oE "urn:pulumi:[^'\"[:space:]]+" "$log" | sed -E 's/[.,;:)]+$//' | sort -u |
      grep -vxF -f <(printf '%s\n' "${targets[@]}" "$known") | grep -vE '[$:]aws:ecs/service:Service::' || true)
    if [ -z "$new" ]; then
      break
    fi
    echo "attempt $attempt: the migration task definition needs resources this release creates; they join the targets:"
    echo "$new"
    mapfile -t -O "${#targets[@]}" targets <<<"$new"
  done
  rm -f "$log"
  echo "::error::the targeted update of the migration task definition failed; no service was changed (see docs/operations.md, \"Schema migrations\")" >&2
  exit 1
}

state=$(export_state)
migration=$(migration_output "$state")
if [ -z "$migration" ]; then
  if $after; then
    echo "The stack $stack has no migration output: migration.command is empty, so there is no migration task to run."
  else
    defer
  fi
  exit 0
fi
# One pass: the keys the script needs that the output lacks, or NOT-AN-OBJECT for a value
# that is not a plain object (a secret shows as an object with Pulumi's secret signature).
missing=$(jq -r 'if type == "object" and (has("4dabf18193072939515e22adb298388d") | not) then
    ["cluster", "containerName", "subnets", "securityGroups", "logGroup", "logStreamPrefix", "resourceType", "resourceName"]
    - [to_entries[] | select(.value != null and .value != "" and .value != []) | .key] | join(", ")
  else "NOT-AN-OBJECT" end' <<<"$migration")
if [ "$missing" = NOT-AN-OBJECT ]; then
  echo "::error::the migration output of $stack is not a plain object (a secret?); the script reads its cluster, subnets and security groups from it" >&2
  exit 2
elif [ -n "$missing" ]; then
  echo "::error::the migration output of $stack has no $missing" >&2
  exit 2
fi
IFS=$'\t' read -r cluster container log_group log_prefix resource_type resource_name < <(
  jq -r '[.cluster, .containerName, .logGroup, .logStreamPrefix, .resourceType, .resourceName] | @tsv' <<<"$migration")

resource=$(find_resource "$state" "$resource_type" "$resource_name")
if [ -z "$resource" ]; then
  echo "::error::the migration output of $stack names $resource_type $resource_name, which is not in the stack's state" >&2
  exit 2
fi

if $after; then
  awaiting=$(awaiting_images "$state")
  if [ -n "$awaiting" ]; then
    echo "::warning::services $awaiting have no image yet; the migration is not run now. Push the images and deploy again: that deploy runs the migration before the services start."
    exit 0
  fi
else
  urn=${resource%%$'\t'*}
  targeted_update "$urn"
  state=$(export_state)
  resource=$(find_resource "$state" "$resource_type" "$resource_name")
  if [ -z "$resource" ]; then
    echo "The update removed the migration task definition (migration.command is empty now): there is no migration to run."
    exit 0
  fi
fi

arn=${resource#*$'\t'}
if [[ ! $arn =~ ^arn:[^:]+:ecs:[^:]+:[0-9]+:task-definition/.+:[0-9]+$ ]]; then
  echo "::error::the state of $resource_name has no task definition ARN with a revision (got \"$arn\")" >&2
  exit 2
fi
region=$(cut -d: -f4 <<<"$arn")
network=$(jq -c '{awsvpcConfiguration: {subnets: .subnets, securityGroups: .securityGroups, assignPublicIp: "DISABLED"}}' <<<"$migration")

echo "== aws ecs run-task $arn on $cluster"
if ! run=$(aws ecs run-task --region "$region" --cluster "$cluster" --task-definition "$arn" \
  --launch-type FARGATE --count 1 --started-by "$started_by" \
  --network-configuration "$network" --output json); then
  echo "::error::aws ecs run-task failed: the migration did not start; no service was changed" >&2
  exit 1
fi
task_arn=$(jq -r '.tasks[0].taskArn // empty' <<<"$run")
if [ -z "$task_arn" ]; then
  echo "::error::the migration task did not start: $(jq -r '[.failures[]? | "\(.reason // "?") \(.detail // "")"] | join("; ")' <<<"$run")" >&2
  exit 1
fi
task_id=${task_arn##*/}
echo "started task $task_id; waiting for it to stop (at most $((rounds * 10)) minutes)"

describe() {
  aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task_arn" --output json
}

print_logs() {
  local stream="$log_prefix/$container/$task_id" token="" page next count n
  echo "== logs of the migration task ($log_group, stream $stream)"
  for ((n = 0; n < 50; n++)); do
    if ! page=$(aws logs get-log-events --region "$region" --log-group-name "$log_group" \
      --log-stream-name "$stream" --start-from-head ${token:+--next-token "$token"} --output json 2>&1); then
      echo "(no logs: the container wrote none, or never started: $page)"
      return 0
    fi
    jq -r '.events[]?.message' <<<"$page"
    read -r next count < <(jq -r '[.nextForwardToken // "", (.events // [] | length)] | @tsv' <<<"$page")
    # The forward token stays the same once the end of the stream is reached
    # (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html).
    if [ -z "$next" ] || [ "$next" = "$token" ] || [ "$count" -eq 0 ]; then
      break
    fi
    token=$next
  done
  echo "== end of the migration logs"
}

status=""
for ((i = 1; i <= rounds; i++)); do
  if aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$task_arn"; then
    status=STOPPED
    break
  fi
  status=$(describe | jq -r '.tasks[0].lastStatus // "UNKNOWN"') || status=UNKNOWN
  if [ "$status" = STOPPED ]; then
    break
  fi
  echo "the migration task is $status after $((i * 10)) minutes"
done
if [ "$status" != STOPPED ]; then
  print_logs
  echo "::error::the migration task $task_id has not stopped after $((rounds * 10)) minutes (last status $status). It keeps running; the services were not changed. Watch it with: aws ecs describe-tasks --cluster $cluster --tasks $task_arn" >&2
  exit 1
fi

if ! details=$(describe); then
  echo "::error::aws ecs describe-tasks failed for $task_id; the migration's outcome is unknown" >&2
  exit 1
fi
# Two lines: the container's exit code (empty when it has none), and the stop reasons.
{ read -r exit_code; read -r reason; } < <(jq -r --arg c "$container" '
  .tasks[0] as $t | ([$t.containers[]? | select(.name == $c)][0] // {}) as $k
  | ($k.exitCode // "" | tostring), ([$t.stoppedReason // empty, $k.reason // empty] | join("; ") | gsub("\n"; " "))' <<<"$details")
print_logs
if [ -z "$exit_code" ]; then
  echo "::error::the migration container never ran (no exit code): ${reason:-no reason given}. The services were not changed." >&2
  exit 1
fi
if [ "$exit_code" != 0 ]; then
  echo "::error::the migration exited with code $exit_code${reason:+ ($reason)}. The services were not changed; see the logs above." >&2
  exit 1
fi
echo "the migration task $task_id exited with code 0"
