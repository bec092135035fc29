package ssm

//go:generate go run ../awsgen -service ssm -pkg ssm -out .
