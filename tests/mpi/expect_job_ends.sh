#!/usr/bin/env bash
# Runs an MPI job that must fail: passes when it ends (not killed by the timeout) with a non-zero
# status and its output holds the expected message.
# usage: expect_job_ends.sh SECONDS EXPECTED_TEXT COMMAND...
set -u
seconds=$1 expected=$2
shift 2
output=$(timeout "$seconds" "$@" 2>&1)
status=$?
echo "$output"
if [ "$status" -eq 124 ]; then echo "FAIL: the job was still running after $seconds s (a rank waits forever)"; exit 1; fi
if [ "$status" -eq 0 ]; then echo "FAIL: the job succeeded, but one rank failed"; exit 1; fi
if ! grep -qF -- "$expected" <<< "$output"; then echo "FAIL: the output lacks '$expected'"; exit 1; fi
echo "PASS: the job ended with status $status and the message"
