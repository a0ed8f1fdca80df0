#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (gitignored) with the seed inputs, at run time:
#   envelope, finding: events/**/*.json and, when the checkout has it beside it,
#                      ../shared/events-corpus/**/*.json (copied here only, never into
#                      the repository), plus fuzz/regressions/envelope/*;
#   sandbox_request:   one request per protocol the sandbox speaks, written below, plus
#                      fuzz/regressions/sandbox_request/*.
# The finding target's real seeds are embedded at build time (fuzz/build.rs); its corpus
# files are only its first choice streams. Existing corpus files are kept (what earlier
# runs learnt); seeds are added under stable names.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared_corpus="$(cd "$root/.." && pwd)/shared/events-corpus"

seed_json() {
    local target="$1" dir="$2" label="$3"
    [ -d "$dir" ] || { echo "seed.sh: $dir is absent, skipped" >&2; return 0; }
    local out="$here/corpus/$target"
    mkdir -p "$out"
    while IFS= read -r -d '' file; do
        local name="${file#"$dir"/}"
        cp "$file" "$out/seed-$label-${name//\//__}"
    done < <(find "$dir" -type f -name '*.json' -print0)
}

for target in envelope finding; do
    seed_json "$target" "$root/events" events
    seed_json "$target" "$shared_corpus" corpus
done
copy_regressions() { # TARGET: the inputs kept in fuzz/regressions/TARGET (not their .expected)
    find "$here/regressions/$1" -maxdepth 1 -type f ! -name '*.expected' -exec cp {} "$here/corpus/$1/" \;
}
copy_regressions envelope

requests="$here/corpus/sandbox_request"
mkdir -p "$requests"
auth() { # SERVICE REGION
    printf 'authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261122/%s/%s/aws4_request, SignedHeaders=host;x-amz-date, Signature=0\n' "$2" "$1"
}
{ printf 'POST /graph/members/list\ncontent-type: application/json\n'; auth detective us-east-1
  printf '\n{"GraphArn":"arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90","MaxResults":200}'; } > "$requests/seed-detective-list-members"
{ printf 'POST /graph/members\ncontent-type: application/json\n'; auth detective eu-west-1
  printf '\n{"GraphArn":"arn:aws:detective:eu-west-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90","Accounts":[{"AccountId":"222222222222","EmailAddress":"a@example.com"}],"DisableEmailNotification":true}'; } > "$requests/seed-detective-create-members"
{ printf 'POST /investigations/startInvestigation\n'; auth detective us-east-1
  printf '\n{"GraphArn":"arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90","EntityArn":"arn:aws:iam::222222222222:user/alice","ScopeStartTime":"2026-11-22T09:00:00Z","ScopeEndTime":"2026-11-22T13:00:00Z"}'; } > "$requests/seed-detective-start-investigation"
{ printf 'GET /tags/arn%%3Aaws%%3Adetective%%3Aus-east-1%%3A111111111111%%3Agraph%%3Aa1b2c3d4e5f60718293a4b5c6d7e8f90\n'; auth detective us-east-1; printf '\n'; } > "$requests/seed-detective-list-tags"
{ printf 'DELETE /tags/arn%%3Aaws%%3Adetective%%3Aus-east-1%%3A111111111111%%3Agraph%%3Aa1b2c3d4e5f60718293a4b5c6d7e8f90?tagKeys=a&tagKeys=b%%2Bc\n'; auth detective us-east-1; printf '\n'; } > "$requests/seed-detective-untag"
{ printf 'PUT /invitation\n'; auth detective us-east-1
  printf '\n{"GraphArn":"arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90"}'; } > "$requests/seed-detective-accept-invitation"
{ printf 'POST /\nx-amz-target: AWSOrganizationsV20161128.ListAccounts\ncontent-type: application/x-amz-json-1.1\n'; auth organizations us-east-1
  printf '\n{"MaxResults":20}'; } > "$requests/seed-organizations-list-accounts"
{ printf 'POST /\nx-amz-target: AmazonSQS.SendMessage\ncontent-type: application/x-amz-json-1.0\n'; auth sqs us-east-1
  printf '\n{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/reports","MessageBody":"{}","DelaySeconds":900}'; } > "$requests/seed-sqs-send-message"
{ printf 'POST /\nx-amz-target: AWSEvents.PutEvents\ncontent-type: application/x-amz-json-1.1\n'; auth events us-east-1
  printf '\n{"Entries":[{"Source":"detective-autopilot","DetailType":"Detective Investigation Completed","Detail":"{}","EventBusName":"default"}]}'; } > "$requests/seed-events-put-events"
{ printf 'POST /findings/import\ncontent-type: application/json\n'; auth securityhub us-east-1
  printf '\n{"Findings":[]}'; } > "$requests/seed-securityhub-import"
{ printf 'POST /\ncontent-type: application/x-www-form-urlencoded\n'; auth iam us-east-1
  printf '\nAction=GetRole&Version=2010-05-08&RoleName=AWSReservedSSO_Admin_0123456789abcdef'; } > "$requests/seed-iam-get-role"
{ printf 'POST /\ncontent-type: application/x-www-form-urlencoded\n'; auth sts us-east-1
  printf '\nAction=AssumeRole&Version=2011-06-15&RoleArn=arn%%3Aaws%%3Aiam%%3A%%3A222222222222%%3Arole%%2Flookup&RoleSessionName=s'; } > "$requests/seed-sts-assume-role"
copy_regressions sandbox_request

for target in envelope finding sandbox_request; do
    echo "seed.sh: corpus/$target: $(find "$here/corpus/$target" -type f | wc -l) files"
done
