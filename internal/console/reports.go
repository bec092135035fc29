package console

// reportsRoutes registers the pages of this area of the console.
func (c *Console) reportsRoutes() {}
