"""市场主体: businesses from the registry, and the verified citizens who act for them."""
