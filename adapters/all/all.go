// Package all registers every native format adapter. Import it for its side
// effect.
package all

import (
	_ "github.com/codefed/codefed/adapters/beijing"
	_ "github.com/codefed/codefed/adapters/carrier"
	_ "github.com/codefed/codefed/adapters/eudcc"
	_ "github.com/codefed/codefed/adapters/fujian"
	_ "github.com/codefed/codefed/adapters/guangdong"
	_ "github.com/codefed/codefed/adapters/hainan"
	_ "github.com/codefed/codefed/adapters/macau"
	_ "github.com/codefed/codefed/adapters/shaanxi"
	_ "github.com/codefed/codefed/adapters/shandong"
	_ "github.com/codefed/codefed/adapters/shanghai"
	_ "github.com/codefed/codefed/adapters/tianjin"
	_ "github.com/codefed/codefed/adapters/zhejiang"
)
