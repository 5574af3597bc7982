# seeds: drawn by `gnuplot seeds.gp` from seeds.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'seeds.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "Five calibration draws: mean and 95 % interval" noenhanced
set key below center horizontal maxcols 2 reverse Left nobox height 1
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set format x '%.0f%%'
plot 'seeds.dat' index 0 using ($1*100):2:3:4 title "wpr(gamma: 0.5)" noenhanced with yerrorlines lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'seeds.dat' index 1 using ($1*100):2:3:4 title "activation" noenhanced with yerrorlines lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'seeds.dat' index 2 using ($1*100):2:3:4 title "wanda" noenhanced with yerrorlines lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'seeds.dat' index 3 using ($1*100):2:3:4 title "random" noenhanced with yerrorlines lc rgb '#999999' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'seeds.svg'
replot
unset output
