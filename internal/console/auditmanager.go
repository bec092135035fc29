package console

// auditManagerRoutes registers the pages of this area of the console.
func (c *Console) auditManagerRoutes() {}
