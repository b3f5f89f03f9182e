// Layers: forward passes with hand-written backward passes, and Normalization/ with one file per paper variant.
// Filled in by the normalization issue; Layers sees only Tensors, never HDF5.
import Tensors
