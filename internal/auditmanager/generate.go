package auditmanager

//go:generate go run ../awsgen -service auditmanager -pkg auditmanager -out .
