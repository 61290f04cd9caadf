// Package cost estimates the monthly AWS bill of a stack from the resources the program
// registers under the mock engine, at Tokyo (ap-northeast-1) list prices.
//
// Prices live in one table, [Tokyo], each with its source and the date it was read.
// Usage that the resources cannot tell (requests, gigabytes of logs, hours a database is
// paused) is an explicit, named assumption in [Usage]; [Idle] and [Busy] are the two
// months the report prints. Every resource type the program registers must be either
// priced here or listed as free ([Classify]), so that a new type cannot cost $0 unnoticed.
package cost
