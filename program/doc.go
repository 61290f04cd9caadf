// Package program is the web shop's Pulumi program: it loads the stack configuration,
// builds the components, wires them together and exports the stack outputs.
//
// It lives in a package rather than in main so that the tests and the offline stack
// report can run exactly the program that `pulumi up` runs.
package program
