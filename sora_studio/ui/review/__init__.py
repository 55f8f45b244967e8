"""The review grid: clip model, filter proxy, painting delegate, image cache and the panel."""
