module example.com/consumer

go 1.24

require (
	github.com/aws/aws-sdk-go-v2/service/iam v1.64.8
	github.com/iamkit/signingcert v0.0.0
)

require (
	github.com/aws/aws-sdk-go-v2 v1.47.7 // indirect
	github.com/aws/aws-sdk-go-v2/credentials v1.20.15 // indirect
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.10 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.10 // indirect
	github.com/aws/smithy-go v1.28.8 // indirect
)

replace github.com/iamkit/signingcert => ../..
