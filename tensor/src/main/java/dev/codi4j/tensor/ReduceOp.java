package dev.codi4j.tensor;

/** Reductions along one dimension. */
public enum ReduceOp { SUM, MEAN, MAX, MIN }
