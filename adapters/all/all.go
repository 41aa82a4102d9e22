// Package all registers every native format adapter. Import it for its side
// effect.
package all
