#!/usr/bin/env bash
# Fails the deploy when an ECS service does not run the task definition `pulumi up` just
# registered. The deployment circuit breaker rolls a bad image back by itself, and
# `pulumi up` still reports success, so without this check a rollback would go unnoticed.
#
# Usage: verify-rollout.sh CLUSTER SERVICE_NAMES_JSON TASK_DEFINITION_ARNS_JSON [AWAITING_JSON]
# The JSON maps come from the stack outputs serviceNames and taskDefinitionArns, keyed by
# the configured service name (web, api, ...); AWAITING_JSON is the output
# servicesAwaitingImages, the services started with zero tasks because their image is not
# pushed yet (a fresh stack). Those are reported, not waited for. Needs the AWS CLI, jq,
# and ecs:DescribeServices on the cluster's services.
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 CLUSTER SERVICE_NAMES_JSON TASK_DEFINITION_ARNS_JSON [AWAITING_JSON]" >&2
  exit 2
fi
cluster=$1
services=$2
tasks=$3
awaiting=${4:-[]}
if [ -z "$awaiting" ]; then
  awaiting='[]'
fi

status=0
for key in $(jq -r 'keys[]' <<<"$services"); do
  service=$(jq -r --arg k "$key" '.[$k]' <<<"$services")
  if jq -e --arg k "$key" 'index($k) != null' <<<"$awaiting" >/dev/null; then
    echo "::warning::$service has no tasks yet: its image is not in its ECR repository. Push the image with the configured tag to the repositoryUrls output, then deploy again; the service then scales to its minimum."
    continue
  fi
  want=$(jq -r --arg k "$key" '.[$k] // empty' <<<"$tasks")
  if [ -z "$want" ]; then
    echo "::error::no task definition output for service $key"
    status=1
    continue
  fi
  echo "waiting for $service to reach a steady state"
  # Polls every 15 s for up to 10 minutes.
  if ! aws ecs wait services-stable --cluster "$cluster" --services "$service"; then
    echo "::error::$service did not reach a steady state"
    status=1
    continue
  fi
  got=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
    --query 'services[0].taskDefinition' --output text)
  if [ "$got" != "$want" ]; then
    echo "::error::$service runs $got, not $want: the deployment was rolled back (see the service's events)"
    status=1
  else
    echo "$service runs $want"
  fi
done
exit "$status"
