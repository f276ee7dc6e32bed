"""The lcnc node kinds this graph uses, carried as plain source so they behave as on the platform."""
