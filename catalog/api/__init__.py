"""The catalog API (DRF): views, their shapes, and the edges every API answer passes through."""
