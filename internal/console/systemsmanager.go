package console

// systemsManagerRoutes registers the pages of this area of the console.
func (c *Console) systemsManagerRoutes() {}
