package console

// organizationRoutes registers the pages of this area of the console.
func (c *Console) organizationRoutes() {}
