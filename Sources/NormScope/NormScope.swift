// The umbrella module of the NormScope library product: one `import NormScope` gives a consumer every library
// module, as the README's library example uses them together (a Matrix from Tensors into a NormLayer from Layers,
// a trace from Recording read back by Analysis). Each module can still be imported on its own.
@_exported import Analysis
@_exported import Charts
@_exported import DamagedFiles
@_exported import HDF5
@_exported import Layers
@_exported import OutputFiles
@_exported import Recording
@_exported import Tensors
@_exported import Training
