package sts

//go:generate go run ../awsgen -service sts -pkg sts -out .
