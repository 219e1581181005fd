/**
 * Building blocks shared by the networks: thin records over weight tensors whose {@code load}
 * methods read upstream state-dict names under a {@link dev.codi4j.loaders.weights.Weights} prefix
 * and whose {@code forward} methods call the {@link dev.codi4j.tensor.Backend} op interface.
 */
package dev.codi4j.models.nn;
