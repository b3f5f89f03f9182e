// Analysis: the streaming trace reader, statistics (re-centering, re-scaling, Φ, gaps) and reports.
// Filled in by the analyze issue; it reads traces through HDF5 and the schema in Recording, never through Training.
import HDF5
import Recording
