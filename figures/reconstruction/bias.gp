# bias: drawn by `gnuplot bias.gp` from bias.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'bias.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "FLAP bias compensation" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',7'
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set format x '%.0f%%'
plot 'bias.dat' index 0 using ($1*100):2 title "wpr [up_proj→down_proj] + bias" noenhanced with linespoints lc rgb '#00314D' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 1 using ($1*100):2 title "wanda [up_proj→down_proj] + bias" noenhanced with linespoints lc rgb '#6F3100' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 2 using ($1*100):2 title "wpr [neurons] + bias" noenhanced with linespoints lc rgb '#32B5FF' dt 2 pt 7 ps 0.8, \
     'bias.dat' index 3 using ($1*100):2 title "wanda [neurons] + bias" noenhanced with linespoints lc rgb '#FFA056' dt 2 pt 7 ps 0.8, \
     'bias.dat' index 4 using ($1*100):2 title "neuron_output [neurons] + bias" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 5 using ($1*100):2 title "fluctuation [neurons] + bias" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'bias.svg'
replot
unset output
