#!/usr/bin/env bash
# Comments one stack's preview on the pull request: the changes the preview proposes and
# the policy suite's results on it (both written by the policy command from the one
# `pulumi preview --json` of that stack). One comment per stack, found by its marker and
# edited on later pushes.
#
# Usage: policy-comment.sh <stack> <changes.md> <results.md>; needs GH_TOKEN, REPO and PR_NUMBER.
set -euo pipefail

stack=$1
changes=$2
results=$3
marker="<!-- ecsite:preview:${stack} -->"
limit=65000 # GitHub refuses comments over 65,536 characters

{
  echo "$marker"
  cat "$changes"
  echo
  echo "#### Policy on the preview of \`${stack}\` (cmd/policy)"
  echo
  cat "$results"
} > comment.md
if [ "$(wc -c < comment.md)" -gt "$limit" ]; then
  {
    echo "$marker"
    echo "#### Preview of \`${stack}\`"
    echo
    echo "The changes and the policy results do not fit in a comment; they are in the summary of the workflow run."
  } > comment.md
fi

comments="repos/${REPO}/issues/${PR_NUMBER}/comments"
id=$(MARKER="$marker" gh api "$comments" --paginate --jq '.[] | select(.body | startswith(env.MARKER)) | .id' | sed -n 1p)
if [ -z "$id" ]; then
  gh api --method POST "$comments" -F body=@comment.md > /dev/null
else
  gh api --method PATCH "repos/${REPO}/issues/comments/${id}" -F body=@comment.md > /dev/null
fi
