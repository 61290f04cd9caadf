#!/usr/bin/env bash
# Adds the policy results of one stack (the Markdown of `go run ./cmd/policy`) to the
# pull-request comment pulumi/actions wrote for that stack's preview, which it finds by its
# heading ("#### :tropical_drink: `preview` on <project>/<stack>"). pulumi/actions rewrites
# that comment on every push, so the results are appended again each run, between markers
# that replace an earlier copy. Without such a comment (the action did not comment), the
# results get a comment of their own, edited on later pushes.
#
# Usage: policy-comment.sh <stack> <results.md>; needs GH_TOKEN, REPO and PR_NUMBER.
set -euo pipefail

stack=$1
results=$2
start="<!-- ecsite:policy:${stack}:start -->"
end="<!-- ecsite:policy:${stack}:end -->"
limit=65000 # GitHub refuses comments over 65,536 characters

{
  echo "$start"
  echo "#### Policy on the preview of \`${stack}\` (\`go run ./cmd/policy\`)"
  echo
  cat "$results"
  echo "$end"
} > section.md

comments="repos/${REPO}/issues/${PR_NUMBER}/comments"
# shellcheck disable=SC2016 # the backticks are part of the heading, not a substitution
id=$(STACK="$stack" gh api "$comments" --paginate --jq '.[]
  | select((.body | startswith("#### :tropical_drink: `preview` on "))
      and (.body | split("\n")[0] | test("[ /]" + env.STACK + "([^A-Za-z0-9_-]|$)")))
  | .id' | sed -n 1p)
if [ -z "$id" ]; then
  id=$(START="$start" gh api "$comments" --paginate --jq '.[] | select(.body | startswith(env.START)) | .id' | sed -n 1p)
  if [ -z "$id" ]; then
    gh api --method POST "$comments" -F body=@section.md > /dev/null
  else
    gh api --method PATCH "repos/${REPO}/issues/comments/${id}" -F body=@section.md > /dev/null
  fi
  exit 0
fi

gh api "repos/${REPO}/issues/comments/${id}" --jq .body > comment.md
# Drop the results of an earlier run, then append this run's.
awk -v s="$start" -v e="$end" '$0 == s { skip = 1 } !skip { print } $0 == e { skip = 0 }' comment.md > body.md
echo >> body.md
if [ $(($(wc -c < body.md) + $(wc -c < section.md))) -gt "$limit" ]; then
  {
    echo "$start"
    echo "#### Policy on the preview of \`${stack}\`"
    echo
    echo "The results do not fit in this comment; they are in the summary of the workflow run."
    echo "$end"
  } > section.md
fi
cat section.md >> body.md
gh api --method PATCH "repos/${REPO}/issues/comments/${id}" -F body=@body.md > /dev/null
