"""Reading the model file: YAML with positions, the JSON Schema, building the model, org stamping."""
