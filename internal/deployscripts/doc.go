// Package deployscripts tests the shell scripts the deploy workflows run
// (.github/scripts/*.sh), which a person deploying from a workstation runs too. Each test
// runs a script with bash and jq, and with fake pulumi and aws commands first on PATH that
// answer from files and record every call, so that a test shows what the script would ask
// of Pulumi and AWS and what it concludes from their answers. The package has no code of
// its own: the scripts are the code under test.
package deployscripts
