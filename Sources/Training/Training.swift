// Training: models, data sets and loaders, optimizers, the run loop and sweep configurations.
// Filled in by the record issue; the imports fix where this module sits in the data flow.
import Layers
import Recording
